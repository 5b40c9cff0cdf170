"""Type stubs for the upgrade_core._core extension module (kept by hand;
bindings/python/tests/stubs_test.py checks it against the module)."""

"""The exception family: bad input is a ValueError, everything an Error."""

import unittest

import upgrade_core


class ErrorsTest(unittest.TestCase):
    def test_input_error_is_value_error_and_error(self):
        err = upgrade_core.InputError("bad version 'x' at position 0")
        self.assertIsInstance(err, ValueError)
        self.assertIsInstance(err, upgrade_core.Error)
        self.assertEqual(err.code, "INVALID_ARGUMENT")
        self.assertIn("position 0", str(err))

    def test_error_carries_code(self):
        err = upgrade_core.Error("journal corrupt", code="DATA_LOSS")
        self.assertEqual(err.code, "DATA_LOSS")
        self.assertNotIsInstance(err, ValueError)

    def test_package_version(self):
        self.assertRegex(upgrade_core.__version__, r"^\d+\.\d+\.\d+$")


if __name__ == "__main__":
    unittest.main()

#!/bin/sh
# Runs Debian's protoc (protobuf-compiler) for Bazel's native proto rules.
exec protoc "$@"

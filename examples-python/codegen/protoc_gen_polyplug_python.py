"""A protoc plugin that generates Polyplug's Python code as one importable package.

protoc's Python generators import other generated modules absolutely by proto path
(``from plugin import grpc_broker_pb2``, ``from grpc.health.v1 import health_pb2``,
``from polyplug.v1 import common_pb2``). Used as-is those names would shadow the real
``grpc`` package and our own ``polyplug`` package. This plugin runs the four Python
generators (messages, grpcio stubs, mypy-protobuf message and service stubs) through
grpcio-tools' bundled protoc, then rewrites every import *of a generated module* to live
under a package prefix (option ``package``, default ``polyplug.gen``) and adds
``__init__.py`` files, so the output is a normal sub-package of the SDK.

Usage in buf.gen.yaml (from the repository root; ``strategy: all`` so that one run sees
every file and writes each ``__init__.py`` once):
    - local: [".venv/bin/python", "examples-python/codegen/protoc_gen_polyplug_python.py"]
      out: examples-python/src/polyplug/gen
      strategy: all
"""

from __future__ import annotations

import pathlib
import re
import shutil
import sys
import tempfile

from google.protobuf import descriptor_pb2
from google.protobuf.compiler import plugin_pb2
from grpc_tools import protoc

_FROM_IMPORT = re.compile(r"^(\s*)from ([\w.]+) import (\w+)(.*)$")
_PLAIN_IMPORT = re.compile(r"^\s*import ([\w.]+)\s*$")


def _module_name(proto_path: str, suffix: str) -> str:
    return proto_path[: -len(".proto")].replace("/", ".") + suffix


def _generated_modules(files: list[descriptor_pb2.FileDescriptorProto]) -> set[str]:
    """Module names of every non-well-known proto file in the request."""
    return {
        _module_name(f.name, suffix)
        for f in files
        if not f.name.startswith("google/protobuf/")
        for suffix in ("_pb2", "_pb2_grpc")
    }


def rewrite_imports(source: str, modules: set[str], prefix: str) -> str:
    """Prefix every ``from X import Y`` whose ``X.Y`` is a generated module.

    Raises ValueError on an unaliased ``import <generated module>``, which cannot be
    rewritten without also rewriting its uses.
    """
    out: list[str] = []
    for line in source.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        match = _FROM_IMPORT.match(body)
        if match and f"{match.group(2)}.{match.group(3)}" in modules:
            indent, package, name, rest = match.groups()
            body = f"{indent}from {prefix}.{package} import {name}{rest}"
        plain = _PLAIN_IMPORT.match(body)
        if plain and plain.group(1) in modules:
            raise ValueError(f"cannot rewrite unaliased import: {body.strip()}")
        out.append(body + ending)
    return "".join(out)


def _tool(name: str, directory: pathlib.Path) -> str:
    found = shutil.which(name, path=str(directory))
    if found is None:
        raise SystemExit(f"{name} not found in {directory}: pip install mypy-protobuf")
    return found


def _parameters(raw: str) -> dict[str, str]:
    pairs = (item.split("=", 1) for item in raw.split(",") if item)
    return {key: value for key, value in pairs}


def generate(request: plugin_pb2.CodeGeneratorRequest) -> plugin_pb2.CodeGeneratorResponse:
    """Run the Python generators for the request and return the rewritten files."""
    response = plugin_pb2.CodeGeneratorResponse()
    response.supported_features = plugin_pb2.CodeGeneratorResponse.FEATURE_PROTO3_OPTIONAL
    prefix = _parameters(request.parameter).get("package", "polyplug.gen")
    modules = _generated_modules(list(request.proto_file))
    venv_bin = pathlib.Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        descriptors = descriptor_pb2.FileDescriptorSet(file=list(request.proto_file))
        (root / "set.pb").write_bytes(descriptors.SerializeToString())
        out = root / "out"
        out.mkdir()
        args = [
            "protoc",
            f"--descriptor_set_in={root / 'set.pb'}",
            f"--plugin=protoc-gen-mypy={_tool('protoc-gen-mypy', venv_bin)}",
            f"--plugin=protoc-gen-mypy_grpc={_tool('protoc-gen-mypy_grpc', venv_bin)}",
            f"--python_out={out}",
            f"--grpc_python_out={out}",
            f"--mypy_out=quiet:{out}",
            f"--mypy_grpc_out=quiet:{out}",
            *request.file_to_generate,
        ]
        if protoc.main(args) != 0:
            response.error = "grpc_tools.protoc failed for " + ", ".join(request.file_to_generate)
            return response
        packages: set[pathlib.Path] = set()
        for path in sorted(p for p in out.rglob("*") if p.is_file()):
            relative = path.relative_to(out)
            try:
                content = rewrite_imports(path.read_text(), modules, prefix)
            except ValueError as error:
                response.error = f"{relative}: {error}"
                return response
            response.file.add(name=str(relative), content=content)
            packages.update(relative.parents)
        for package in sorted(packages):
            response.file.add(
                name=str(package / "__init__.py"),
                content="# Generated by protoc_gen_polyplug_python. DO NOT EDIT!\n",
            )
    return response


def main() -> int:
    request = plugin_pb2.CodeGeneratorRequest.FromString(sys.stdin.buffer.read())
    sys.stdout.buffer.write(generate(request).SerializeToString())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A protoc plugin that produces grpcio's *_pb2_grpc.py stubs for `buf generate`.

grpcio-tools ships its gRPC Python generator only inside its bundled protoc, not as a
plugin executable; this bridge hands the request's descriptors to that protoc and returns
what it writes, so buf can drive every language from one buf.gen.yaml.
"""

import pathlib
import sys
import tempfile

from google.protobuf import descriptor_pb2
from google.protobuf.compiler import plugin_pb2
from grpc_tools import protoc


def main() -> int:
    request = plugin_pb2.CodeGeneratorRequest.FromString(sys.stdin.buffer.read())
    response = plugin_pb2.CodeGeneratorResponse()
    response.supported_features = plugin_pb2.CodeGeneratorResponse.FEATURE_PROTO3_OPTIONAL
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        descriptors = descriptor_pb2.FileDescriptorSet(file=list(request.proto_file))
        (root / "set.pb").write_bytes(descriptors.SerializeToString())
        out = root / "out"
        out.mkdir()
        args = ["protoc", f"--descriptor_set_in={root / 'set.pb'}", f"--grpc_python_out={out}"]
        args += list(request.file_to_generate)
        if protoc.main(args) != 0:
            response.error = "grpc_tools.protoc failed for " + ", ".join(request.file_to_generate)
        else:
            for path in sorted(out.rglob("*.py")):
                response.file.add(name=str(path.relative_to(out)), content=path.read_text())
    sys.stdout.buffer.write(response.SerializeToString())
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""A generic gRPC client with no project code: it learns archived's API through server
reflection alone (grpc.reflection.v1alpha, the version gRPC 1.51 serves), then calls the
health service and the archive with messages built from the descriptors it was sent, and
decodes a refusal's rich status (google.rpc.Status and its details) the same way.

Usage: reflection_client.py HOST:PORT
Prints one line per finding and exits non-zero on the first thing that does not resolve
or answer as a generic tool (grpcurl, buf curl) would need. The only inputs are Debian's
python3-grpcio and python3-protobuf, protoc, and grpc-proto's reflection.proto.
"""
import importlib.util
import os
import subprocess
import sys
import tempfile

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

GRPC_PROTO = "/usr/share/grpc-proto"
REFLECTION = "grpc/reflection/v1alpha/reflection.proto"


def load_reflection(workdir):
    subprocess.run(["protoc", f"-I{GRPC_PROTO}", f"--python_out={workdir}", REFLECTION],
                   check=True)
    path = os.path.join(workdir, REFLECTION.replace(".proto", "_pb2.py"))
    spec = importlib.util.spec_from_file_location("reflection_pb2", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Reflector:
    def __init__(self, channel, pb):
        self.pb = pb
        self.call = channel.stream_stream(
            "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
            request_serializer=pb.ServerReflectionRequest.SerializeToString,
            response_deserializer=pb.ServerReflectionResponse.FromString)
        self.pool = descriptor_pool.DescriptorPool()
        self.added = set()

    def ask(self, **kwargs):
        responses = list(self.call(iter([self.pb.ServerReflectionRequest(**kwargs)]),
                                   timeout=10))
        if len(responses) != 1:
            raise SystemExit(f"reflection answered {len(responses)} times to {kwargs}")
        r = responses[0]
        if r.HasField("error_response"):
            raise SystemExit(f"reflection cannot resolve {kwargs}: "
                             f"{r.error_response.error_message}")
        return r

    def services(self):
        r = self.ask(list_services="")
        return [s.name for s in r.list_services_response.service]

    def add_files(self, response):
        protos = []
        for raw in response.file_descriptor_response.file_descriptor_proto:
            fd = descriptor_pb2.FileDescriptorProto.FromString(raw)
            protos.append(fd)
        # Dependencies first: ask for any the server did not send along.
        for fd in protos:
            for dep in fd.dependency:
                if dep not in self.added and dep not in {p.name for p in protos}:
                    self.add_files(self.ask(file_by_filename=dep))
        pending = [p for p in protos if p.name not in self.added]
        while pending:
            progressed = False
            for fd in list(pending):
                if all(d in self.added for d in fd.dependency):
                    self.pool.Add(fd)
                    self.added.add(fd.name)
                    pending.remove(fd)
                    progressed = True
            if not progressed:
                raise SystemExit(f"unresolvable dependencies: {[p.name for p in pending]}")

    def message(self, name):
        self.add_files(self.ask(file_containing_symbol=name))
        return self.pool.FindMessageTypeByName(name)

    def service(self, name):
        self.add_files(self.ask(file_containing_symbol=name))
        return self.pool.FindServiceByName(name)


def message_class(descriptor):
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(descriptor)
    return message_factory.MessageFactory().GetPrototype(descriptor)


def unary(channel, api, method_name, **fields):
    method = api.FindMethodByName(method_name)
    request_class = message_class(method.input_type)
    response_class = message_class(method.output_type)
    call = channel.unary_unary(f"/{api.full_name}/{method.name}",
                               request_serializer=request_class.SerializeToString,
                               response_deserializer=response_class.FromString)
    return call(request_class(**fields), timeout=10)


def rich_status(reflector, error):
    """The details of a failed call's google.rpc.Status (grpc-status-details-bin), each
    decoded with a type the server described through reflection: what grpcurl and buf curl
    do to show error details."""
    trailer = dict(error.trailing_metadata() or ()).get("grpc-status-details-bin")
    if trailer is None:
        raise SystemExit(f"{error.code()} carries no grpc-status-details-bin trailer")
    status = message_class(reflector.message("google.rpc.Status")).FromString(trailer)
    if status.code != error.code().value[0] or status.message != error.details():
        raise SystemExit(f"rich status {status.code} {status.message!r} is not the call's "
                         f"{error.code()} {error.details()!r}")
    details = []
    for any_detail in status.details:
        name = any_detail.type_url.split("/")[-1]
        detail = message_class(reflector.message(name)).FromString(any_detail.value)
        details.append((name, detail))
    return details


def check_error_details(reflector, channel, archive):
    try:
        unary(channel, archive, "History", document_id="gx-none", page_token="not-a-token")
        raise SystemExit("History with a forged page_token answered")
    except grpc.RpcError as e:
        if e.code() != grpc.StatusCode.INVALID_ARGUMENT:
            raise SystemExit(f"History with a forged page_token: {e.code()}")
        for name, detail in rich_status(reflector, e):
            if name == "archive.v1.ErrorDetail":
                print(f"detail {name}: reason {detail.reason} field {detail.field}")
            elif name == "google.rpc.BadRequest":
                fields = ",".join(v.field for v in detail.field_violations)
                print(f"detail {name}: field_violations {fields}")


def main():
    address = sys.argv[1]
    channel = grpc.insecure_channel(address)
    with tempfile.TemporaryDirectory() as workdir:
        reflector = Reflector(channel, load_reflection(workdir))
        names = reflector.services()
        print("services:", " ".join(sorted(names)))
        for want in ("archive.v1.Archive", "grpc.health.v1.Health"):
            if want not in names:
                raise SystemExit(f"reflection does not list {want}")
        for name in names:
            service = reflector.service(name)
            for method in service.methods:
                # Every request and response type resolved from what was sent.
                message_class(method.input_type)
                message_class(method.output_type)
            print(f"resolved {name}: {len(service.methods)} methods")
        health = reflector.service("grpc.health.v1.Health")
        serving = health.FindMethodByName("Check").output_type.enum_types_by_name[
            "ServingStatus"].values_by_name["SERVING"].number
        for name in ("", "archive.v1.Archive"):
            status = unary(channel, health, "Check", service=name).status
            print(f"health {name or '(server)'}: {status}")
            if status != serving:
                raise SystemExit(f"health of {name or 'the server'} is {status}, not SERVING")
        try:
            unary(channel, health, "Check", service="no.such.Service")
            raise SystemExit("health of an unknown service answered")
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.NOT_FOUND:
                raise SystemExit(f"health of an unknown service: {e.code()}")
            print("health no.such.Service: NOT_FOUND")
        archive = reflector.service("archive.v1.Archive")
        checkpoint = unary(channel, archive, "GetCheckpoint")
        print(f"GetCheckpoint: tree_size {checkpoint.tree_size}")
        if not checkpoint.checkpoint:
            raise SystemExit("GetCheckpoint returned no checkpoint")
        check_error_details(reflector, channel, archive)


if __name__ == "__main__":
    main()

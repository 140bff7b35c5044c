// gRPC status codes without grpc-js's index: importing "@grpc/grpc-js" evaluates all of
// grpc-js (channels, DNS resolver, server, HTTP/2 transport); its constants module is all that
// code mapping statuses needs. The gateway's start path imports only this, so grpc-js itself is
// evaluated after the first plugin is spawned (issue 17, start → first answer).
export { Status as status } from "@grpc/grpc-js/build/src/constants.js";

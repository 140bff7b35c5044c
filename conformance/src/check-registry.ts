import type { CheckFunction } from "./check-context.js";
import {
  automtlsCertificate,
  automtlsConnect,
  automtlsRejectsUnknownClient,
  automtlsRequiresClientCertificate,
} from "./checks/protocol/automtls-checks.js";
import { cookieRejected, handshakeLine, versionNegotiation } from "./checks/protocol/handshake-checks.js";
import {
  tcpPortRange,
  tcpStartupError,
  unixSocket,
  unixSocketGroup,
  unixSocketRemoved,
} from "./checks/protocol/listener-checks.js";
import { exitsWithParent } from "./checks/protocol/parent-death-checks.js";
import {
  brokerStream,
  controllerShutdown,
  hclogLines,
  healthServing,
  noStrayStdout,
  sigintIgnored,
  sigtermExits,
  stdioStream,
} from "./checks/protocol/process-checks.js";
import { CONTRACT_CHECKS } from "./checks/contract/contract-checks.js";

/** Every check kind a case's `check:` field may name. */
export const CHECKS: Readonly<Record<string, CheckFunction>> = {
  "cookie-rejected": cookieRejected,
  "handshake-line": handshakeLine,
  "version-negotiation": versionNegotiation,
  "unix-socket": unixSocket,
  "unix-socket-removed": unixSocketRemoved,
  "tcp-port-range": tcpPortRange,
  "unix-socket-group": unixSocketGroup,
  "tcp-startup-error": tcpStartupError,
  "exits-with-parent": exitsWithParent,
  "automtls-certificate": automtlsCertificate,
  "automtls-connect": automtlsConnect,
  "automtls-rejects-unknown-client": automtlsRejectsUnknownClient,
  "automtls-requires-client-certificate": automtlsRequiresClientCertificate,
  "health-serving": healthServing,
  "controller-shutdown": controllerShutdown,
  "sigint-ignored": sigintIgnored,
  "sigterm-exits": sigtermExits,
  "broker-stream": brokerStream,
  "stdio-stream": stdioStream,
  "no-stray-stdout": noStrayStdout,
  "hclog-lines": hclogLines,
  ...CONTRACT_CHECKS,
};

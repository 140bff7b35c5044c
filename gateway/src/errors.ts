// The one error class lives in the SDK package (plugins and the gateway share its codes);
// the gateway's own modules import it from here. `ErrorCode` here is the gateway's API code
// (strings such as `plugin_exited`); the contract's code (the proto enum, which the TS SDK
// exports to plugin authors as `ErrorCode`) is `ContractCode` inside this repository, and
// @polyplug/sdk/internal/contract/codes.js holds the one table between the two.
export { ErrorCode, PolyplugError, type ErrorDetails } from "@polyplug/sdk/internal/errors.js";

// The one error class lives in the SDK package (plugins and the gateway share its codes);
// the gateway's own modules import it from here.
export { ErrorCode, PolyplugError, type ErrorDetails } from "@polyplug/sdk/internal/errors.js";

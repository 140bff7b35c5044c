// Command conformance is the Polyplug conformance plugin built with the Go SDK.
// Its behaviour is specified in conformance/README.md ("The conformance plugin");
// every language implements the same behaviour with its own SDK.
package main

import polyplug "github.com/polyplug/polyplug/examples-go/sdk"

func main() {
	polyplug.Serve(newPlugin())
}

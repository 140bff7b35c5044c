// Command membership is an example Polyplug plugin. It counts channel members
// from "user.joined_channel" / "user.left_channel" notifications in the KV
// store (compare-and-set with retries, so concurrent events never lose a
// count), publishes "changed" events (clients see <plugin id>.changed), answers the /members command
// and serves GET /count and POST /echo over HTTP.
package main

import polyplug "github.com/polyplug/polyplug/examples-go/sdk"

func main() {
	polyplug.Serve(&membership{})
}

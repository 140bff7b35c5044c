// Command wordfilter is an example Polyplug plugin. It intercepts
// "message.will_be_posted": messages containing a blocked word are rejected,
// masked words are replaced by asterisks. The word lists come from the
// plugin's configuration and follow ConfigurationChanged.
package main

import polyplug "github.com/polyplug/polyplug/examples-go/sdk"

func main() {
	polyplug.Serve(&wordFilter{})
}

package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	polyplugv1 "github.com/polyplug/polyplug/examples-go/gen/polyplug/v1"
	polyplug "github.com/polyplug/polyplug/examples-go/sdk"
)

// counterPrefix namespaces the per-channel counters in the plugin's KV store;
// the value is the member count in decimal.
const counterPrefix = "count/"

// maxCASAttempts bounds the compare-and-set retry loop.
const maxCASAttempts = 20

func counterKey(channel string) string { return counterPrefix + channel }

// addMember adds delta to channel's count with compare-and-set, retrying when
// another writer got in between. A count reaching zero deletes the key (also
// conditionally). Counts never go below zero.
func addMember(ctx context.Context, api *polyplug.GatewayAPI, channel string, delta int) (int, error) {
	key := counterKey(channel)
	for attempt := 0; attempt < maxCASAttempts; attempt++ {
		raw, found, err := api.KvGet(ctx, key)
		if err != nil {
			return 0, err
		}
		current, err := parseCount(raw, found)
		if err != nil {
			return 0, err
		}
		next := max(current+delta, 0)
		var applied bool
		switch {
		case next == 0 && !found:
			return 0, nil
		case next == 0:
			applied, err = api.KvDelete(ctx, key, raw)
		case found:
			var res polyplug.KvSetResult
			res, err = api.KvSet(ctx, key, []byte(strconv.Itoa(next)), polyplug.IfEquals(raw))
			applied = res.Applied
		default:
			var res polyplug.KvSetResult
			res, err = api.KvSet(ctx, key, []byte(strconv.Itoa(next)), polyplug.IfAbsent())
			applied = res.Applied
		}
		if err != nil {
			return 0, err
		}
		if applied {
			return next, nil
		}
	}
	return 0, polyplug.Errorf(polyplugv1.ErrorCode_ERROR_CODE_UNAVAILABLE,
		"counter %q kept changing: gave up after %d compare-and-set attempts", key, maxCASAttempts)
}

// memberCount reads channel's count (0 when absent).
func memberCount(ctx context.Context, api *polyplug.GatewayAPI, channel string) (int, error) {
	raw, found, err := api.KvGet(ctx, counterKey(channel))
	if err != nil {
		return 0, err
	}
	return parseCount(raw, found)
}

// allCounts lists every channel with a non-zero count.
func allCounts(ctx context.Context, api *polyplug.GatewayAPI) (map[string]int, error) {
	keys, err := api.KvListAll(ctx, counterPrefix)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(keys))
	for _, key := range keys {
		channel := strings.TrimPrefix(key, counterPrefix)
		n, err := memberCount(ctx, api, channel)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			out[channel] = n
		}
	}
	return out, nil
}

func parseCount(raw []byte, found bool) (int, error) {
	if !found {
		return 0, nil
	}
	n, err := strconv.Atoi(string(raw))
	if err != nil {
		return 0, polyplug.Errorf(polyplugv1.ErrorCode_ERROR_CODE_INTERNAL, "stored count %q is not a number", raw)
	}
	return n, nil
}

// channelOf reads the "channel_id" string of an event payload.
func channelOf(payload map[string]any) (string, error) {
	channel, _ := payload["channel_id"].(string)
	if channel == "" {
		return "", &polyplug.Error{Code: polyplugv1.ErrorCode_ERROR_CODE_INVALID_ARGUMENT,
			Message: "payload.channel_id must be a non-empty string", Details: map[string]string{"field": "payload.channel_id"}}
	}
	return channel, nil
}

func describeCount(channel string, n int) string {
	if n == 1 {
		return fmt.Sprintf("1 member in %s", channel)
	}
	return fmt.Sprintf("%d members in %s", n, channel)
}

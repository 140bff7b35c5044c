package main

import (
	"regexp"
	"strings"
)

// rules are the word lists of one configuration, compiled.
type rules struct {
	masked  *regexp.Regexp // nil when no masked words
	blocked *regexp.Regexp // nil when no blocked words
}

// rulesFromConfig reads "masked_words" and "blocked_words" (lists of strings;
// other entries are ignored) from a plugin configuration.
func rulesFromConfig(config map[string]any) rules {
	return rules{masked: wordsPattern(config["masked_words"]), blocked: wordsPattern(config["blocked_words"])}
}

// wordsPattern matches any of the words, whole-word and case-insensitively.
func wordsPattern(list any) *regexp.Regexp {
	items, _ := list.([]any)
	var quoted []string
	for _, item := range items {
		if w, ok := item.(string); ok && strings.TrimSpace(w) != "" {
			quoted = append(quoted, regexp.QuoteMeta(strings.TrimSpace(w)))
		}
	}
	if len(quoted) == 0 {
		return nil
	}
	return regexp.MustCompile(`(?i)\b(?:` + strings.Join(quoted, "|") + `)\b`)
}

// blockedWord returns the first blocked word in text, or "".
func (r rules) blockedWord(text string) string {
	if r.blocked == nil {
		return ""
	}
	return r.blocked.FindString(text)
}

// mask replaces every masked word with as many asterisks as it has runes.
func (r rules) mask(text string) string {
	if r.masked == nil {
		return text
	}
	return r.masked.ReplaceAllStringFunc(text, func(w string) string {
		return strings.Repeat("*", len([]rune(w)))
	})
}

package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// indentCases are JSON texts whose indentation appendIndent must write
// as json.Indent does: nesting, empty and one-element containers, strings
// holding brackets, commas, colons, escaped quotes and backslashes.
var indentCases = []string{
	`{}`, `[]`, `1`, `"x"`, `null`,
	`{"a":1,"b":[1,2,{"c":{}}],"d":[],"e":{"f":[[]]}}`,
	`[{"s":"a,b:c{d}[e]"},"q\"uote","back\\slash\\","\\\"",{"k":"\u00e9\n"}]`,
	`{"nested":[[[1]],[[2,3]]],"t":true,"f":false,"n":null,"x":-1.5e+10}`,
}

func TestAppendIndent(t *testing.T) {
	cases := indentCases
	// The goldens' reports too: every finding, digest and capture section.
	goldens, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	more, _ := filepath.Glob(filepath.Join("..", "testdata", "golden", "*.json"))
	goldens = append(goldens, more...)
	for _, g := range goldens {
		b, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		var c bytes.Buffer
		if json.Compact(&c, b) == nil {
			cases = append(cases, c.String())
		}
	}
	if len(cases) == len(indentCases) {
		t.Fatal("no golden JSON reports under testdata")
	}
	for _, c := range cases {
		for _, prefix := range []string{"", "  ", "    "} {
			var want bytes.Buffer
			if err := json.Indent(&want, []byte(c), prefix, "  "); err != nil {
				t.Fatalf("%q: %v", c, err)
			}
			if got := appendIndent(nil, []byte(c), prefix, "  "); !bytes.Equal(got, want.Bytes()) {
				t.Errorf("prefix %q: appendIndent(%.80q)\n got %.200q\nwant %.200q", prefix, c, got, want.Bytes())
			}
		}
	}
}

// FuzzAppendIndent: on every valid JSON text, compacted as encoding/json
// writes its values, appendIndent writes what json.Indent writes.
func FuzzAppendIndent(f *testing.F) {
	for _, c := range indentCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var compact, want bytes.Buffer
		if json.Compact(&compact, []byte(s)) != nil {
			return
		}
		if err := json.Indent(&want, compact.Bytes(), "  ", "  "); err != nil {
			t.Fatal(err)
		}
		if got := appendIndent(nil, compact.Bytes(), "  ", "  "); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("appendIndent(%q) = %q, json.Indent %q", s, got, want.Bytes())
		}
	})
}

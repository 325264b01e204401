package findings

import (
	"bufio"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Setting describes one threshold of Config by the name used on the
// command line (--threshold NAME=VALUE) and in a thresholds file.
type Setting struct {
	Name    string // kebab-case field name, e.g. "time-wait-threshold"
	Kind    string // "int", "float" or "duration"
	Default string // the default, as Set accepts it
}

// notSetting names the Config fields that follow the tracker's own
// options (--msl, --idle-timeout) rather than being thresholds.
var notSetting = map[string]bool{"MSL": true, "IdleTimeout": true, "Now": true}

// Settings lists every threshold with its default, in Config's order
// (the fields of notSetting are left out).
func Settings() []Setting {
	def := reflect.ValueOf(DefaultConfig())
	t := def.Type()
	var out []Setting
	for i := range t.NumField() {
		f := t.Field(i)
		if notSetting[f.Name] {
			continue
		}
		s := Setting{Name: kebab(f.Name)}
		switch v := def.Field(i).Interface().(type) {
		case time.Duration:
			s.Kind, s.Default = "duration", v.String()
		case float64:
			s.Kind, s.Default = "float", strconv.FormatFloat(v, 'g', -1, 64)
		case int:
			s.Kind, s.Default = "int", strconv.Itoa(v)
		case int64:
			s.Kind, s.Default = "int", strconv.FormatInt(v, 10)
		default:
			continue
		}
		out = append(out, s)
	}
	return out
}

// Set assigns the threshold called name (as in Settings) from its text
// form: an integer, a decimal number, or a Go duration ("90s", "5m").
func (c *Config) Set(name, value string) error {
	v := reflect.ValueOf(c).Elem()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if kebab(f.Name) != name || notSetting[f.Name] {
			continue
		}
		fv := v.Field(i)
		switch fv.Interface().(type) {
		case time.Duration:
			d, err := time.ParseDuration(value)
			if err != nil || d < 0 {
				return fmt.Errorf("threshold %s: want a duration such as 90s or 5m, got %q", name, value)
			}
			fv.SetInt(int64(d))
		case float64:
			x, err := strconv.ParseFloat(value, 64)
			if err != nil || x < 0 {
				return fmt.Errorf("threshold %s: want a non-negative number, got %q", name, value)
			}
			fv.SetFloat(x)
		case int, int64:
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil || n < 0 {
				return fmt.Errorf("threshold %s: want a non-negative integer, got %q", name, value)
			}
			fv.SetInt(n)
		}
		return nil
	}
	return fmt.Errorf("unknown threshold %q (wirestat --thresholds lists them)", name)
}

// SetPair assigns a "name=value" pair.
func (c *Config) SetPair(pair string) error {
	name, value, ok := strings.Cut(pair, "=")
	if !ok {
		return fmt.Errorf("threshold %q: want NAME=VALUE", pair)
	}
	return c.Set(strings.TrimSpace(name), strings.TrimSpace(value))
}

// Load reads a thresholds file: one NAME=VALUE per line; blank lines and
// lines starting with # are ignored. Errors name the line.
func (c *Config) Load(r io.Reader) error {
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := c.SetPair(line); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
	}
	return sc.Err()
}

// kebab turns "TimeWaitThreshold" into "time-wait-threshold" and
// "TRWTheta0" into "trw-theta0".
func kebab(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		if unicode.IsUpper(r) && i > 0 && (unicode.IsLower(rs[i-1]) || i+1 < len(rs) && unicode.IsLower(rs[i+1])) {
			b.WriteByte('-')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

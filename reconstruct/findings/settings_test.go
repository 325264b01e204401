package findings

import (
	"strings"
	"testing"
	"time"
)

func TestSettings(t *testing.T) {
	names := map[string]string{}
	for _, s := range Settings() {
		names[s.Name] = s.Default
	}
	for name, def := range map[string]string{
		"time-wait-threshold": "100", "scan-window": "5m0s", "trw-theta0": "0.8",
		"address-scan-hosts": "25", "port-scan-ports": "15", "flood-half-open": "100",
		"trw-min-failure-ratio": "0.5", "max-streams": "1000",
	} {
		if names[name] != def {
			t.Errorf("setting %s default %q, want %q", name, names[name], def)
		}
	}
	if _, ok := names["msl"]; ok {
		t.Error("msl is set by --msl, not listed")
	}
	var c Config
	for _, pair := range []string{"time-wait-threshold=5", "scan-window=90s", "trw-theta1 = 0.3"} {
		if err := c.SetPair(pair); err != nil {
			t.Fatal(err)
		}
	}
	if c.TimeWaitThreshold != 5 || c.ScanWindow != 90*time.Second || c.TRWTheta1 != 0.3 {
		t.Errorf("set: %+v", c)
	}
	for _, bad := range []string{"nope=1", "scan-window=soon", "time-wait-threshold=-1", "trw-theta0", "msl=5s"} {
		if err := c.SetPair(bad); err == nil {
			t.Errorf("SetPair(%q) accepted", bad)
		}
	}
	err := c.Load(strings.NewReader("# thresholds\n\nflood-half-open=50\nport-scan-ports=x\n"))
	if err == nil || !strings.Contains(err.Error(), "line 4") || c.FloodHalfOpen != 50 {
		t.Errorf("Load: %v, flood %d", err, c.FloodHalfOpen)
	}
}

// TestHorizonOutlastsIdleTimeout: connections reach the collector up to an
// idle timeout late, so the horizon never ends before that.
func TestHorizonOutlastsIdleTimeout(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want time.Duration
	}{
		{Config{}, 2 * time.Hour},
		{Config{IdleTimeout: time.Hour}, 2 * time.Hour},
		{Config{IdleTimeout: 4 * time.Hour}, 4*time.Hour + 30*time.Minute + 10*time.Minute},
		{Config{IdleTimeout: time.Hour, Horizon: time.Minute}, time.Hour + 7*time.Minute + 30*time.Second + 10*time.Minute},
	} {
		c := tc.cfg
		c.setDefaults()
		if c.Horizon != tc.want {
			t.Errorf("%+v: horizon %v, want %v", tc.cfg, c.Horizon, tc.want)
		}
	}
}

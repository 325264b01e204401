package findings

import (
	"fmt"
	"testing"
	"time"

	"github.com/wirestat/wirestat/reconstruct/decode"
)

// TestBackscatter: a host receiving SYN-ACKs from many servers it never
// sent a SYN to is the victim of someone forging its address; its resets
// answering them are not per-server findings. A few stray SYN-ACKs are
// not reported.
func TestBackscatter(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want int
	}{{3, 0}, {40, 1}} {
		t.Run(fmt.Sprint(tc.n), func(t *testing.T) {
			s := newSim(t, Config{})
			for i := range tc.n {
				c := s.newConn("10.0.0.9", fmt.Sprintf("10.0.%d.%d:80", 1+i/8, 1+i%8))
				at := time.Duration(i) * 10 * ms
				c.synack(at)
				if i%2 == 0 {
					s.send(at+ms, c.cli, c.srv, decode.RST, c.cseq+1, 0, 0)
				}
			}
			// An ordinary client of one of those servers.
			ok := s.newConn("10.0.0.7", "10.0.1.1:80")
			ok.handshake(time.Second)
			ok.close(time.Second+10*ms, true)
			fs := s.finish(2 * time.Second)
			if len(fs) != tc.want {
				t.Fatalf("want %d findings, got %v", tc.want, kinds(fs))
			}
			if tc.want == 0 {
				return
			}
			f := one(t, fs, Backscatter)
			if f.Subject != "10.0.0.9" || f.Count != int64(tc.n) || f.Severity != "medium" ||
				f.Details["senders"] != 40 || f.Details["reset"] != int64(20) {
				t.Errorf("got %+v", f)
			}
		})
	}
}

// TestPasswordGuessing: a burst of short complete sessions from one client
// to SSH is password guessing; health checks that connect without data,
// an administrator's few logins and a long session beside it are quiet.
func TestPasswordGuessing(t *testing.T) {
	s := newSim(t, Config{})
	session := func(cli string, at time.Duration, hold time.Duration) {
		c := s.newConn(cli, "10.0.0.2:22")
		c.handshake(at)
		c.data(at+5*ms, false, 40) // banner
		c.data(at+10*ms, true, 600)
		c.close(at+hold, true)
	}
	for i := range 30 {
		session("10.0.0.66", time.Duration(i)*2*time.Second, 500*ms)
	}
	for i := range 3 {
		session("10.0.0.7", time.Duration(i)*time.Second, time.Second)
	}
	session("10.0.0.8", 0, 50*time.Second) // a long interactive session
	for i := range 40 {                    // a health check every 3 s: connect and close
		c := s.newConn("10.0.0.5", "10.0.0.2:22")
		c.handshake(time.Duration(i) * 3 * time.Second)
		c.close(time.Duration(i)*3*time.Second+5*ms, true)
	}
	fs := s.finish(3 * time.Minute)
	got := ofKind(fs, PasswordGuessing)
	if len(got) != 1 {
		t.Fatalf("want one password_guessing finding, got %v", kinds(fs))
	}
	f := got[0]
	if f.Subject != "10.0.0.66" || f.Count != 30 || f.Details["peer"] != "10.0.0.2:22" || f.Details["service"] != "SSH" ||
		f.Details["peak"] != 30 || f.Severity != "medium" {
		t.Errorf("got %+v", f)
	}
	for _, f := range fs {
		if f.Kind == "scan" || f.Subject == "10.0.0.5" || f.Subject == "10.0.0.7" || f.Subject == "10.0.0.8" {
			t.Errorf("benign neighbour reported: %s %s: %s", f.Kind, f.Subject, f.Summary)
		}
	}
}

// TestResetInjection: resets outside the window aimed at one established
// connection are blind reset injection; the connection survives them. One
// stray out-of-window reset is not reported.
func TestResetInjection(t *testing.T) {
	for _, tc := range []struct {
		rsts int
		want int
	}{{1, 0}, {20, 1}} {
		t.Run(fmt.Sprint(tc.rsts), func(t *testing.T) {
			s := newSim(t, Config{})
			c := s.newConn("10.0.0.1", "10.0.0.2:179")
			c.handshake(0)
			c.data(10*ms, true, 100)
			for i := range tc.rsts {
				// Forged from the server, far outside the client's window.
				s.send(20*ms+time.Duration(i)*ms, c.srv, c.cli, decode.RST, c.sseq+uint32(i+1)<<24, 0, 0)
			}
			c.data(time.Second, false, 100) // the connection carries on
			fs := s.finish(2 * time.Second)
			got := ofKind(fs, ResetInjection)
			if len(got) != tc.want {
				t.Fatalf("want %d reset_injection findings, got %v", tc.want, kinds(fs))
			}
			if tc.want == 1 {
				f := got[0]
				if f.Subject != "10.0.0.1" || f.Severity != "medium" || f.Details["resets"] != int64(tc.rsts) || f.Details["connections"] != int64(1) {
					t.Errorf("got %+v", f)
				}
			}
			if len(ofKind(fs, Reset)) != 0 {
				t.Errorf("the unaccepted resets aborted nothing: %v", kinds(fs))
			}
		})
	}
}

package live

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/wirestat/wirestat/reconstruct/capture"
)

func TestWriterRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, capture.LinkEthernet, 64)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)
	long := bytes.Repeat([]byte{0xab}, 100)
	pkts := []capture.Packet{
		{Data: []byte{1, 2, 3, 4}, Timestamp: t0, Length: 60, LinkType: capture.LinkEthernet, Frame: 1},
		{Data: long, Timestamp: t0.Add(1500 * time.Microsecond), Length: 100, LinkType: capture.LinkEthernet, Frame: 2},
	}
	for _, p := range pkts {
		if err := w.WritePacket(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WritePacket(capture.Packet{LinkType: capture.LinkRaw, Frame: 3}); err == nil {
		t.Error("a raw packet was written to an Ethernet file")
	}

	r, err := pcapgo.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	// pcapgo v1.1.19 reports Resolution backwards, so nanosecond precision
	// is checked on the timestamps instead.
	if r.LinkType() != layers.LinkTypeEthernet || r.Snaplen() != 64 {
		t.Errorf("header: link type %v, snaplen %d", r.LinkType(), r.Snaplen())
	}
	want := []struct {
		data    []byte
		ts      time.Time
		wireLen int
	}{
		{[]byte{1, 2, 3, 4}, t0, 60},
		{long[:64], t0.Add(1500 * time.Microsecond), 100},
	}
	for i, w := range want {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			t.Fatalf("record %d: %v", i+1, err)
		}
		if !bytes.Equal(data, w.data) || !ci.Timestamp.Equal(w.ts) || ci.CaptureLength != len(w.data) || ci.Length != w.wireLen {
			t.Errorf("record %d: %d bytes at %v, caplen %d, len %d; want %d bytes at %v, len %d",
				i+1, len(data), ci.Timestamp, ci.CaptureLength, ci.Length, len(w.data), w.ts, w.wireLen)
		}
	}
	if _, _, err := r.ReadPacketData(); !errors.Is(err, io.EOF) {
		t.Errorf("after the last record: err = %v, want io.EOF", err)
	}
}

func TestWriterWideLinkType(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, capture.LinkLinuxSLL2, 0)
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Unix(1700000000, 5).UTC()
	if err := w.WriteData(ts, []byte{9, 9}, 0); err != nil {
		t.Fatal(err)
	}
	want := []byte{
		0x4d, 0x3c, 0xb2, 0xa1, // nanosecond magic, little endian
		2, 0, 4, 0, // version 2.4
		0, 0, 0, 0, 0, 0, 0, 0, // thiszone, sigfigs
		0x00, 0x00, 0x04, 0x00, // snaplen 262144
		0x14, 0x01, 0x00, 0x00, // link type 276
		0x00, 0xf1, 0x53, 0x65, // seconds 1700000000
		5, 0, 0, 0, // nanoseconds
		2, 0, 0, 0, // captured length
		2, 0, 0, 0, // wire length raised to the captured length
		9, 9,
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("file bytes\n got % x\nwant % x", buf.Bytes(), want)
	}
}

func TestWriterAllocs(t *testing.T) {
	w, err := NewWriter(io.Discard, capture.LinkEthernet, 0)
	if err != nil {
		t.Fatal(err)
	}
	p := capture.Packet{Data: make([]byte, 60), Length: 60, LinkType: capture.LinkEthernet, Timestamp: time.Unix(1, 0)}
	if n := testing.AllocsPerRun(100, func() { _ = w.WritePacket(p) }); n != 0 {
		t.Errorf("WritePacket allocates %v times", n)
	}
}

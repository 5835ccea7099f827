package server

import (
	"bytes"
	"testing"
)

// shiftIncoming renumbers every packet header of a stream however the
// stream is cut into reads.
func TestShiftIncoming(t *testing.T) {
	var stream, want []byte
	for i, n := range []int{0, 3, 300, 1, 70000} {
		payload := bytes.Repeat([]byte{byte(i + 1)}, n)
		stream = append(stream, framePacket(byte(i+2), payload)...)
		want = append(want, framePacket(byte(i+1), payload)...)
	}
	for _, cut := range []int{1, 2, 3, 4, 5, 7, 4096, len(stream)} {
		w := &wireConn{}
		got := bytes.Clone(stream)
		for off := 0; off < len(got); off += cut {
			w.shiftIncoming(got[off:min(off+cut, len(got))])
		}
		if !bytes.Equal(got, want) {
			t.Errorf("reads of %d bytes: sequence numbers not shifted", cut)
		}
	}
}

func TestPatchGreeting(t *testing.T) {
	g := []byte{0, 0, 0, 0, 10}
	g = append(g, "8.0.36\x00"...)
	g = append(g, 1, 2, 3, 4)                // connection id
	g = append(g, 1, 2, 3, 4, 5, 6, 7, 8, 0) // scramble part 1, filler
	g = append(g, 0x01, 0x02, 45, 2, 0, 0x04, 0x08)
	got := patchGreeting(bytes.Clone(g), 0x10000800)
	if low, high := got[len(g)-7:len(g)-5], got[len(g)-2:]; !bytes.Equal(low, []byte{0x01, 0x0a}) || !bytes.Equal(high, []byte{0x04, 0x18}) {
		t.Fatalf("patched flags % x … % x", low, high)
	}
	if short := patchGreeting([]byte{0, 0, 0, 0, 9}, 1); !bytes.Equal(short, []byte{0, 0, 0, 0, 9}) {
		t.Fatal("not a greeting, yet patched")
	}
}

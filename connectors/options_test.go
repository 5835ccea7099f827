package connectors

import "testing"

func TestIntOption(t *testing.T) {
	for _, c := range []struct {
		in   any
		want int64
		ok   bool
	}{
		{3, 3, true}, {int32(-4), -4, true}, {int64(5), 5, true}, {uint(6), 6, true}, {uint32(7), 7, true},
		{uint64(8), 8, true}, {float64(9), 9, true}, {9.5, 0, false}, {uint64(1 << 63), 0, false},
		{float64(1 << 60), 0, false}, {"10", 0, false}, {nil, 0, false},
	} {
		got, err := IntOption(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("IntOption(%#v) = %d, %v", c.in, got, err)
		}
	}
}

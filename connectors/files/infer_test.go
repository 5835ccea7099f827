package files

import "testing"

func TestTextGuess(t *testing.T) {
	tests := []struct {
		cells []string
		want  kind
	}{
		{nil, kindString},
		{[]string{"1", "-2", "+3", "0"}, kindInt},
		{[]string{"1", "2.5", "1e3", ".5", "-0.25"}, kindFloat},
		{[]string{"007"}, kindString}, // leading zeros are codes, not numbers
		{[]string{"NaN"}, kindString},
		{[]string{"inf"}, kindString},
		{[]string{"0x1p-2"}, kindString},
		{[]string{"99999999999999999999"}, kindFloat}, // beyond int64
		{[]string{"true", "FALSE", "True"}, kindBool},
		{[]string{"1", "true"}, kindString},
		{[]string{"2024-02-29", "1815-12-10"}, kindDate},
		{[]string{"2023-02-29"}, kindString}, // not a leap year
		{[]string{"2024-01-02 03:04:05", "2024-01-02T03:04:05.123456"}, kindTimestamp},
		{[]string{"2024-01-02 03:04:05.1234567"}, kindString},
		{[]string{"2024-01-02 24:00:00"}, kindString},
		{[]string{"2024-01-02", "2024-01-02 03:04:05"}, kindString},
	}
	for _, tt := range tests {
		var g textGuess
		for _, c := range tt.cells {
			g.observe(c)
		}
		if got := g.kind(); got != tt.want {
			t.Errorf("%q: kind %v, want %v", tt.cells, got, tt.want)
		}
	}
}

func TestParseTemporal(t *testing.T) {
	if d, ok := parseDate("1970-01-02"); !ok || d != 1 {
		t.Errorf("date = %d %v", d, ok)
	}
	if d, ok := parseDate("1969-12-31"); !ok || d != -1 {
		t.Errorf("date = %d %v", d, ok)
	}
	if ts, ok := parseTimestamp("1970-01-01 00:00:01.5"); !ok || ts != 1_500_000 {
		t.Errorf("timestamp = %d %v", ts, ok)
	}
}

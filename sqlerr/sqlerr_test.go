package sqlerr

import (
	"errors"
	"fmt"
	"testing"
)

// Every kind but Internal must have its own MySQL code: a new kind without a
// mapping would silently become 1105.
func TestEveryKindIsMapped(t *testing.T) {
	seen := map[uint16]Kind{}
	for k := Kind(0); k < numKinds; k++ {
		code, state := k.Code()
		if len(state) != 5 {
			t.Errorf("kind %d: SQLSTATE %q is not 5 characters", k, state)
		}
		if k != Internal && code == 1105 {
			t.Errorf("kind %d is not mapped", k)
		}
		if prev, dup := seen[code]; dup {
			t.Errorf("kinds %d and %d share code %d", prev, k, code)
		}
		seen[code] = k
	}
}

func TestKindOfWrapped(t *testing.T) {
	cause := errors.New("boom")
	err := fmt.Errorf("outer: %w", New(UnknownTable, "Table 'a.b' doesn't exist: %w", cause))
	if KindOf(err) != UnknownTable {
		t.Fatalf("KindOf = %v", KindOf(err))
	}
	if !errors.Is(err, cause) {
		t.Fatal("cause lost")
	}
	if KindOf(errors.New("x")) != Internal {
		t.Fatal("plain error should be Internal")
	}
}

package connectors

import (
	"fmt"
	"math"
)

// IntOption reads a whole number from a connector option. Options come
// from YAML or JSON decoders, so a number may be any of int, int32, int64,
// uint, uint32, uint64 or a whole float64.
func IntOption(v any) (int64, error) {
	switch n := v.(type) {
	case int:
		return int64(n), nil
	case int32:
		return int64(n), nil
	case int64:
		return n, nil
	case uint:
		return uintOption(uint64(n))
	case uint32:
		return int64(n), nil
	case uint64:
		return uintOption(n)
	case float64:
		if n != math.Trunc(n) || math.Abs(n) > 1<<53 {
			return 0, fmt.Errorf("must be a whole number, got %v", n)
		}
		return int64(n), nil
	}
	return 0, fmt.Errorf("must be a number, got %T", v)
}

func uintOption(n uint64) (int64, error) {
	if n > math.MaxInt64 {
		return 0, fmt.Errorf("%d is too large", n)
	}
	return int64(n), nil
}

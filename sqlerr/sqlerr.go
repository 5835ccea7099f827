// Package sqlerr is Tributary's one error vocabulary. Every package returns
// errors of these kinds (or wraps them); the server turns a kind into a MySQL
// error code and SQLSTATE with Code, the only place where that mapping lives.
// An error of no known kind is reported as 1105 (HY000, unknown error).
package sqlerr

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the client.
type Kind int

const (
	Internal                Kind = iota // 1105 HY000
	Syntax                              // 1064 42000
	Unsupported                         // 1235 42000: valid MySQL we do not support
	UnknownDatabase                     // 1049 42000
	UnknownTable                        // 1146 42S02
	UnknownColumn                       // 1054 42S22
	UnknownFunction                     // 1305 42000
	UnknownSystemVariable               // 1193 HY000
	WrongValueForVariable               // 1231 42000
	NoDatabaseSelected                  // 1046 3D000
	AccessDenied                        // 1045 28000: bad user or password
	DatabaseAccessDenied                // 1044 42000: user may not read that database
	Forbidden                           // 1227 42000: refused by the engine lock-down
	SourceUnavailable                   // 1429 HY000: a source or its plugin failed
	QueryInterrupted                    // 1317 70100
	QueryTimeout                        // 3024 HY000
	MalformedPacket                     // 1835 HY000
	UnknownCommand                      // 1047 08S01
	NonUniqTable                        // 1066 42000
	AmbiguousColumn                     // 1052 23000
	NoSuchThread                        // 1094 HY000
	KillDenied                          // 1095 HY000
	SecureTransportRequired             // 3159 HY000: require_secure_transport refused a plain login
	numKinds
)

// Code returns the MySQL error number and SQLSTATE of a kind.
func (k Kind) Code() (uint16, string) {
	switch k {
	case Syntax:
		return 1064, "42000"
	case Unsupported:
		return 1235, "42000"
	case UnknownDatabase:
		return 1049, "42000"
	case UnknownTable:
		return 1146, "42S02"
	case UnknownColumn:
		return 1054, "42S22"
	case UnknownFunction:
		return 1305, "42000"
	case UnknownSystemVariable:
		return 1193, "HY000"
	case WrongValueForVariable:
		return 1231, "42000"
	case NoDatabaseSelected:
		return 1046, "3D000"
	case AccessDenied:
		return 1045, "28000"
	case DatabaseAccessDenied:
		return 1044, "42000"
	case Forbidden:
		return 1227, "42000"
	case SourceUnavailable:
		return 1429, "HY000"
	case QueryInterrupted:
		return 1317, "70100"
	case QueryTimeout:
		return 3024, "HY000"
	case MalformedPacket:
		return 1835, "HY000"
	case UnknownCommand:
		return 1047, "08S01"
	case NonUniqTable:
		return 1066, "42000"
	case AmbiguousColumn:
		return 1052, "23000"
	case NoSuchThread:
		return 1094, "HY000"
	case KillDenied:
		return 1095, "HY000"
	case SecureTransportRequired:
		return 3159, "HY000"
	}
	return 1105, "HY000"
}

// Error is an error of a known kind. Msg is what the client sees.
type Error struct {
	Kind Kind
	Msg  string
	Err  error // the cause, if any; not shown to the client beyond Msg
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// New returns an error of kind k with a formatted message. A %w verb in
// format records the cause.
func New(k Kind, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Kind: k, Msg: err.Error(), Err: errors.Unwrap(err)}
}

// KindOf returns the kind of the first *Error in err's chain, or Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

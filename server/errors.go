package server

import (
	"context"
	"errors"

	"github.com/go-mysql-org/go-mysql/mysql"

	"github.com/tributary-sql/tributary/sqlerr"
)

// toMySQLError is the one place where an error becomes a MySQL ERR packet:
// the code and SQLSTATE come from the error's sqlerr kind, the message is the
// error's text. Errors already in wire form (*mysql.MyError, from go-mysql)
// pass through; a bare context cancellation or deadline becomes 1317 or 3024
// so that KILL QUERY and timeouts read as MySQL's.
func toMySQLError(err error) *mysql.MyError {
	var my *mysql.MyError
	if errors.As(err, &my) {
		return my
	}
	kind := sqlerr.KindOf(err)
	msg := err.Error()
	if kind == sqlerr.Internal {
		switch {
		case errors.Is(err, context.Canceled):
			kind, msg = sqlerr.QueryInterrupted, "Query execution was interrupted"
		case errors.Is(err, context.DeadlineExceeded):
			kind, msg = sqlerr.QueryTimeout, "Query execution was interrupted, maximum statement execution time exceeded"
		}
	}
	code, state := kind.Code()
	return &mysql.MyError{Code: code, State: state, Message: msg}
}

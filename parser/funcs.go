package parser

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/tributary-sql/tributary/sqlerr"
)

// A function prints a call of one MySQL function whose arity was checked.
type function struct {
	min, max int // arity; max < 0: variadic
	print    func(t *translator, args []ast.ExprNode) string
}

// functions is the whitelist of MySQL functions, by lower-case name. It is
// a security boundary: a name not here never reaches DuckDB, so DuckDB's
// own functions (read_csv, getenv, glob, ...) cannot be called by clients.
var functions map[string]function

// Built in init: the printers refer back to the translator, which refers
// to this map.
func init() {
	functions = map[string]function{
		// Control flow.
		"ifnull":   {2, 2, call("coalesce")},
		"if":       {3, 3, ifFunc},
		"nullif":   {2, 2, call("nullif")},
		"coalesce": {1, -1, call("coalesce")},

		// Strings.
		"concat":           {1, -1, concat},
		"concat_ws":        {2, -1, call("concat_ws")},
		"length":           {1, 1, strCall("strlen")},
		"octet_length":     {1, 1, strCall("strlen")},
		"char_length":      {1, 1, strCall("length")},
		"character_length": {1, 1, strCall("length")},
		"upper":            {1, 1, call("upper")},
		"ucase":            {1, 1, call("upper")},
		"lower":            {1, 1, call("lower")},
		"lcase":            {1, 1, call("lower")},
		"substring":        {2, 3, substring},
		"substr":           {2, 3, substring},
		"mid":              {3, 3, substring},
		"left":             {2, 2, strCall("mysql_left")},
		"right":            {2, 2, strCall("mysql_right")},
		"trim":             {1, 3, trim},
		"ltrim":            {1, 1, call("ltrim")},
		"rtrim":            {1, 1, call("rtrim")},
		"replace":          {3, 3, call("replace")},
		"locate":           {2, 3, locate},
		"instr":            {2, 2, call("strpos")},
		"position":         {2, 2, swapped("strpos")},
		"lpad":             {3, 3, strCall("lpad")},
		"rpad":             {3, 3, strCall("rpad")},
		"repeat":           {2, 2, strCall("repeat")},
		"reverse":          {1, 1, strCall("reverse")},
		"substring_index":  {3, 3, strCall("mysql_substring_index")},
		"convert":          {2, 2, convertUsing},
		"char_func":        {2, -1, charFunc}, // CHAR(n, … [USING charset]); the parser appends the charset

		// Numbers.
		"abs":      {1, 1, call("abs")},
		"ceil":     {1, 1, call("ceil")},
		"ceiling":  {1, 1, call("ceil")},
		"floor":    {1, 1, call("floor")},
		"round":    {1, 2, call("round")},
		"truncate": {2, 2, call("trunc")},
		"mod":      {2, 2, mod},
		"pow":      {2, 2, call("pow")},
		"power":    {2, 2, call("pow")},
		"sqrt":     {1, 1, call("mysql_sqrt")},
		"exp":      {1, 1, call("exp")},
		"ln":       {1, 1, call("mysql_ln")},
		"log":      {1, 2, logFunc},
		"log10":    {1, 1, call("mysql_log10")},
		"log2":     {1, 1, call("mysql_log2")},
		"sign":     {1, 1, call("sign")},
		"pi":       {0, 0, call("pi")},
		"rand":     {0, 0, call("random")},
		"greatest": {2, -1, nullStrict("greatest")},
		"least":    {2, -1, nullStrict("least")},

		// Dates and times.
		"now":                {0, 1, now},
		"current_timestamp":  {0, 1, now},
		"localtime":          {0, 1, now},
		"localtimestamp":     {0, 1, now},
		"sysdate":            {0, 1, now},
		"curdate":            {0, 0, text(currentDate)},
		"current_date":       {0, 0, text(currentDate)},
		"curtime":            {0, 1, text("CAST(date_trunc('second', current_localtimestamp()) AS TIME)")},
		"current_time":       {0, 1, text("CAST(date_trunc('second', current_localtimestamp()) AS TIME)")},
		"date":               {1, 1, wrap("CAST(mysql_ts(", ") AS DATE)")},
		"time":               {1, 1, wrap("TRY_CAST(", " AS TIME)")},
		"year":               {1, 1, tsCall("year")},
		"quarter":            {1, 1, tsCall("quarter")},
		"month":              {1, 1, tsCall("month")},
		"day":                {1, 1, tsCall("day")},
		"dayofmonth":         {1, 1, tsCall("day")},
		"dayofyear":          {1, 1, tsCall("dayofyear")},
		"hour":               {1, 1, tsCall("hour")},
		"minute":             {1, 1, tsCall("minute")},
		"second":             {1, 1, tsCall("second")},
		"dayname":            {1, 1, tsCall("dayname")},
		"monthname":          {1, 1, tsCall("monthname")},
		"last_day":           {1, 1, tsCall("last_day")},
		"dayofweek":          {1, 1, wrap("(dayofweek(mysql_ts(", ")) + 1)")}, // MySQL: 1 = Sunday
		"weekday":            {1, 1, wrap("(isodow(mysql_ts(", ")) - 1)")},    // MySQL: 0 = Monday
		"date_format":        {2, 2, dateFormat},
		"str_to_date":        {2, 2, strToDate},
		"date_add":           {3, 3, dateArith("+")},
		"adddate":            {3, 3, dateArith("+")},
		"date_sub":           {3, 3, dateArith("-")},
		"subdate":            {3, 3, dateArith("-")},
		"extract":            {2, 2, extract},
		"datediff":           {2, 2, datediff},
		"timestampdiff":      {3, 3, timestampdiff},
		"timestampadd":       {3, 3, timestampadd},
		"convert_tz":         {3, 3, convertTZ},
		"unix_timestamp":     {0, 1, unixTimestamp},
		"from_unixtime":      {1, 2, fromUnixtime},
		"makedate":           {2, 2, call("mysql_makedate")},
		"timestamp":          {1, 1, wrap("mysql_ts(", ")")},
		"week":               {1, 2, week("mysql_week0", "week")},
		"yearweek":           {1, 2, week("mysql_yearweek0", "yearweek")},
		ast.DateLiteral:      {1, 1, typedLiteral("DATE")},
		ast.TimeLiteral:      {1, 1, typedLiteral("TIME")},
		ast.TimestampLiteral: {1, 1, typedLiteral("TIMESTAMP")},

		// Session.
		"database":     {0, 0, currentDB},
		"schema":       {0, 0, currentDB},
		"user":         {0, 0, user},
		"current_user": {0, 0, user},
		"session_user": {0, 0, user},
		"system_user":  {0, 0, user},
		"version":      {0, 0, func(t *translator, _ []ast.ExprNode) string { return t.stringLit(t.opts.Version) }},
		"connection_id": {0, 0, func(t *translator, _ []ast.ExprNode) string {
			return strconv.FormatUint(uint64(t.opts.ConnectionID), 10)
		}},
		"last_insert_id": {0, 0, text("0")}, // the gateway never inserts
	}
}

// currentDate avoids DuckDB's bare current_date keyword, which binds to a
// select alias of the same name ("CURRENT_DATE") before the function.
const currentDate = "CAST(current_localtimestamp() AS DATE)"

func (t *translator) funcCall(x *ast.FuncCallExpr) string {
	name := x.FnName.L
	f, ok := functions[name]
	if name == "char_func" { // TiDB's internal name for CHAR()
		name = "char"
	}
	if !ok || x.Schema.L != "" {
		if x.Schema.L != "" {
			name = x.Schema.L + "." + name
		}
		return t.fail(sqlerr.UnknownFunction, "FUNCTION %s does not exist", name)
	}
	if n := len(x.Args); n < f.min || (f.max >= 0 && n > f.max) {
		return t.fail(sqlerr.Syntax, "Incorrect parameter count in the call to native function '%s'", x.FnName.O)
	}
	return f.print(t, x.Args)
}

func call(name string) func(*translator, []ast.ExprNode) string {
	return func(t *translator, args []ast.ExprNode) string {
		return name + "(" + t.exprList(args) + ")"
	}
}

// charFunc prints CHAR(n, …): the characters with those codes, NULLs
// skipped. MySQL makes bytes of the codes (a binary string unless USING
// names a charset); DuckDB's chr makes Unicode characters, the same for
// the ASCII codes clients use (CHAR(39), the quote, in the MariaDB ODBC
// driver's SQLColumns).
func charFunc(t *translator, args []ast.ExprNode) string {
	codes := args[:len(args)-1]
	parts := make([]string, len(codes))
	for i, a := range codes {
		parts[i] = "chr(CAST(" + t.expr(a) + " AS INTEGER))"
	}
	return "concat(" + strings.Join(parts, ", ") + ")"
}

// strCall casts the first argument to VARCHAR: MySQL string functions
// accept numbers and dates, DuckDB's do not.
func strCall(name string) func(*translator, []ast.ExprNode) string {
	return func(t *translator, args []ast.ExprNode) string {
		return name + "(" + t.str(args[0]) + rest(t, args[1:]) + ")"
	}
}

// tsCall passes its argument through mysql_ts, which accepts dates,
// timestamps and strings and yields NULL for invalid ones, as MySQL does.
func tsCall(name string) func(*translator, []ast.ExprNode) string {
	return wrap(name+"(mysql_ts(", "))")
}

func wrap(before, after string) func(*translator, []ast.ExprNode) string {
	return func(t *translator, args []ast.ExprNode) string {
		return before + t.expr(args[0]) + after
	}
}

func text(sql string) func(*translator, []ast.ExprNode) string {
	return func(*translator, []ast.ExprNode) string { return sql }
}

func swapped(name string) func(*translator, []ast.ExprNode) string {
	return func(t *translator, args []ast.ExprNode) string {
		return name + "(" + t.expr(args[1]) + ", " + t.expr(args[0]) + ")"
	}
}

func rest(t *translator, args []ast.ExprNode) string {
	if len(args) == 0 {
		return ""
	}
	return ", " + t.exprList(args)
}

// str prints e as a VARCHAR; string literals need no cast.
func (t *translator) str(e ast.ExprNode) string {
	if v, ok := e.(*test_driver.ValueExpr); ok && (v.Kind() == test_driver.KindString || v.Kind() == test_driver.KindNull) {
		return t.expr(e)
	}
	return "CAST(" + t.expr(e) + " AS VARCHAR)"
}

func ifFunc(t *translator, a []ast.ExprNode) string {
	return "CASE WHEN " + t.expr(a[0]) + " THEN " + t.expr(a[1]) + " ELSE " + t.expr(a[2]) + " END"
}

// concat uses || rather than DuckDB's concat: MySQL's CONCAT is NULL when
// any argument is NULL, DuckDB's concat skips NULLs.
func concat(t *translator, args []ast.ExprNode) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = t.str(a)
	}
	return "(" + strings.Join(parts, " || ") + ")"
}

func substring(t *translator, args []ast.ExprNode) string {
	n := "2147483647"
	if len(args) == 3 {
		n = t.expr(args[2])
	}
	return "mysql_substring(" + t.str(args[0]) + ", " + t.expr(args[1]) + ", " + n + ")"
}

// trim handles TRIM([BOTH|LEADING|TRAILING] [remstr] FROM str). MySQL
// removes repetitions of the whole remstr, DuckDB's trim a set of
// characters; the two agree for one character, and a longer literal is
// removed with an anchored regular expression.
func trim(t *translator, args []ast.ExprNode) string {
	dir := ast.TrimBothDefault
	var rem ast.ExprNode
	for _, a := range args[1:] {
		if d, ok := a.(*ast.TrimDirectionExpr); ok {
			dir = d.Direction
		} else {
			rem = a
		}
	}
	fn, anchor := "trim", "^(%[1]s)+|(%[1]s)+$"
	switch dir {
	case ast.TrimLeading:
		fn, anchor = "ltrim", "^(%[1]s)+"
	case ast.TrimTrailing:
		fn, anchor = "rtrim", "(%[1]s)+$"
	}
	s := t.str(args[0])
	if rem == nil {
		return fn + "(" + s + ", ' ')"
	}
	v, ok := rem.(*test_driver.ValueExpr)
	if !ok || v.Kind() != test_driver.KindString {
		return t.unsupported("TRIM with a non-literal remove string")
	}
	r := v.GetString()
	if len([]rune(r)) == 1 {
		return fn + "(" + s + ", " + t.stringLit(r) + ")"
	}
	if r == "" {
		return s
	}
	re := fmt.Sprintf(anchor, regexp.QuoteMeta(r))
	return "regexp_replace(" + s + ", " + t.stringLit(re) + ", '', 'g')"
}

func locate(t *translator, args []ast.ExprNode) string {
	if len(args) == 3 {
		return "mysql_locate(" + t.str(args[0]) + ", " + t.str(args[1]) + ", " + t.expr(args[2]) + ")"
	}
	return "strpos(" + t.str(args[1]) + ", " + t.str(args[0]) + ")"
}

func mod(t *translator, args []ast.ExprNode) string {
	return "(" + t.numeric(args[0], precMul, false) + " % NULLIF(" + t.expr(args[1]) + ", 0))"
}

// logFunc: MySQL's LOG(x) is the natural logarithm (DuckDB's log is base
// 10) and LOG(b, x) takes the base first.
func logFunc(t *translator, args []ast.ExprNode) string {
	if len(args) == 1 {
		return "mysql_ln(" + t.expr(args[0]) + ")"
	}
	return "mysql_log(" + t.exprList(args) + ")"
}

// nullStrict: MySQL's GREATEST/LEAST are NULL when any argument is NULL;
// DuckDB's ignore NULLs.
func nullStrict(name string) func(*translator, []ast.ExprNode) string {
	return func(t *translator, args []ast.ExprNode) string {
		conds := make([]string, len(args))
		for i, a := range args {
			conds[i] = t.operand(a, precIs, false) + " IS NULL"
		}
		return "CASE WHEN " + strings.Join(conds, " OR ") + " THEN NULL ELSE " + name + "(" + t.exprList(args) + ") END"
	}
}

func convertUsing(t *translator, args []ast.ExprNode) string {
	// CONVERT(x USING charset): every string is UTF-8 in DuckDB.
	return t.expr(args[0])
}

// now: MySQL's NOW() is a local DATETIME with whole seconds unless a
// fractional precision is asked for.
func now(t *translator, args []ast.ExprNode) string {
	if len(args) == 1 {
		if v, ok := args[0].(*test_driver.ValueExpr); !ok || v.GetValue() != int64(0) {
			return "current_localtimestamp()"
		}
	}
	return "date_trunc('second', current_localtimestamp())"
}

func typedLiteral(typ string) func(*translator, []ast.ExprNode) string {
	return func(t *translator, args []ast.ExprNode) string {
		if t.pg() { // DATE $1 is not SQL
			return "CAST(" + t.expr(args[0]) + " AS " + typ + ")"
		}
		return typ + " " + t.expr(args[0])
	}
}

func currentDB(t *translator, _ []ast.ExprNode) string {
	if t.opts.CurrentDB == "" {
		return "NULL"
	}
	return t.stringLit(t.opts.CurrentDB)
}

func user(t *translator, _ []ast.ExprNode) string { return t.stringLit(t.opts.User) }

// timeUnits maps MySQL's simple interval units to DuckDB's.
var timeUnits = map[ast.TimeUnitType]string{
	ast.TimeUnitMicrosecond: "MICROSECOND",
	ast.TimeUnitSecond:      "SECOND",
	ast.TimeUnitMinute:      "MINUTE",
	ast.TimeUnitHour:        "HOUR",
	ast.TimeUnitDay:         "DAY",
	ast.TimeUnitWeek:        "WEEK",
	ast.TimeUnitMonth:       "MONTH",
	ast.TimeUnitQuarter:     "QUARTER",
	ast.TimeUnitYear:        "YEAR",
}

func (t *translator) unit(e ast.ExprNode) string {
	u, ok := e.(*ast.TimeUnitExpr)
	if !ok {
		return t.fail(sqlerr.Internal, "expected a time unit")
	}
	if s, ok := timeUnits[u.Unit]; ok {
		return s
	}
	return t.unsupported("the time unit " + u.Unit.String())
}

// interval prints INTERVAL n unit; DuckDB accepts an expression in
// parentheses as n.
func (t *translator) interval(n, unit ast.ExprNode) string {
	if t.pg() {
		return t.pgInterval(n, unit)
	}
	return "INTERVAL (" + t.expr(n) + ") " + t.unit(unit)
}

// dateArith prints DATE_ADD and friends (and d ± INTERVAL n unit, which the
// parser turns into them). A string date is read as a TIMESTAMP; a DATE
// literal plus whole days/months stays a DATE as in MySQL. A DATE column
// plus an interval becomes a TIMESTAMP (DuckDB's DATE + INTERVAL); the
// value is the same, the type shown differs.
func dateArith(op string) func(*translator, []ast.ExprNode) string {
	return func(t *translator, args []ast.ExprNode) string {
		d := t.expr(args[0])
		if v, ok := args[0].(*test_driver.ValueExpr); ok && v.Kind() == test_driver.KindString {
			d = "CAST(" + d + " AS TIMESTAMP)"
		}
		s := "(" + d + " " + op + " " + t.interval(args[1], args[2]) + ")"
		if f, ok := args[0].(*ast.FuncCallExpr); ok && f.FnName.L == ast.DateLiteral && dateOnlyUnit(args[2]) {
			s = "CAST(" + s + " AS DATE)"
		}
		return s
	}
}

func dateOnlyUnit(e ast.ExprNode) bool {
	u, ok := e.(*ast.TimeUnitExpr)
	if !ok {
		return false
	}
	switch u.Unit {
	case ast.TimeUnitDay, ast.TimeUnitWeek, ast.TimeUnitMonth, ast.TimeUnitQuarter, ast.TimeUnitYear:
		return true
	}
	return false
}

func extract(t *translator, args []ast.ExprNode) string {
	u, _ := args[0].(*ast.TimeUnitExpr)
	d := "mysql_ts(" + t.expr(args[1]) + ")"
	if u == nil {
		return t.fail(sqlerr.Internal, "expected a time unit")
	}
	switch u.Unit {
	case ast.TimeUnitMicrosecond:
		// DuckDB counts the seconds' microseconds too.
		return "(microsecond(" + d + ") % 1000000)"
	case ast.TimeUnitWeek:
		return t.unsupported("EXTRACT(WEEK ...)")
	}
	return "extract(" + t.unit(u) + " FROM " + d + ")"
}

// datediff counts calendar days between the date parts, as MySQL does.
func datediff(t *translator, args []ast.ExprNode) string {
	return "date_diff('day', CAST(mysql_ts(" + t.expr(args[1]) + ") AS DATE), CAST(mysql_ts(" + t.expr(args[0]) + ") AS DATE))"
}

// timestampdiff counts whole units elapsed, which is DuckDB's date_sub
// (date_diff counts boundaries crossed instead).
func timestampdiff(t *translator, args []ast.ExprNode) string {
	return "date_sub('" + strings.ToLower(t.unit(args[0])) + "', mysql_ts(" + t.expr(args[1]) + "), mysql_ts(" + t.expr(args[2]) + "))"
}

// timestampadd prints TIMESTAMPADD(unit, n, ts) as DATE_ADD(ts, INTERVAL n unit).
func timestampadd(t *translator, args []ast.ExprNode) string {
	return dateArith("+")(t, []ast.ExprNode{args[2], args[1], args[0]})
}

// tzOffset matches MySQL's time zone offsets, '+05:30' or '-3:00'.
var tzOffset = regexp.MustCompile(`^([+-])(\d{1,2}):(\d{2})$`)

// convertTZ prints CONVERT_TZ(ts, from, to) for zones given as literals:
// offsets by interval arithmetic, names ('Europe/Paris', 'UTC') through
// DuckDB's ICU time zones, 'SYSTEM' as the sessions' UTC. An unknown name
// is an error where MySQL returns NULL; zones that are not literals are
// unsupported.
func convertTZ(t *translator, args []ast.ExprNode) string {
	from, fok := literalString(args[1])
	to, tok := literalString(args[2])
	if !fok || !tok {
		return t.unsupported("CONVERT_TZ with zones that are not string literals")
	}
	minutes := func(zone string) (int, bool) {
		if strings.EqualFold(zone, "SYSTEM") {
			return 0, true
		}
		m := tzOffset.FindStringSubmatch(zone)
		if m == nil {
			return 0, false
		}
		h, _ := strconv.Atoi(m[2])
		min, _ := strconv.Atoi(m[3])
		n := h*60 + min
		if m[1] == "-" {
			n = -n
		}
		return n, true
	}
	ts := "mysql_ts(" + t.expr(args[0]) + ")"
	fromMin, fromOff := minutes(from)
	toMin, toOff := minutes(to)
	if fromOff && toOff {
		return fmt.Sprintf("(%s + INTERVAL (%d) MINUTE)", ts, toMin-fromMin)
	}
	// Through an instant (TIMESTAMPTZ): timezone(zone, TIMESTAMP) reads a
	// wall-clock time in zone, timezone(zone, TIMESTAMPTZ) shows one.
	instant := fmt.Sprintf("timezone('UTC', %s + INTERVAL (%d) MINUTE)", ts, -fromMin)
	if !fromOff {
		instant = "timezone(" + quoteString(from) + ", " + ts + ")"
	}
	if toOff {
		return fmt.Sprintf("(timezone('UTC', %s) + INTERVAL (%d) MINUTE)", instant, toMin)
	}
	return "timezone(" + quoteString(to) + ", " + instant + ")"
}

// unixTimestamp reads timestamps as UTC: the gateway's sessions run in UTC.
func unixTimestamp(t *translator, args []ast.ExprNode) string {
	if len(args) == 0 {
		return "CAST(epoch(current_timestamp) AS BIGINT)"
	}
	return "CAST(epoch(mysql_ts(" + t.expr(args[0]) + ")) AS BIGINT)"
}

func fromUnixtime(t *translator, args []ast.ExprNode) string {
	// Multiplying by a DECIMAL literal keeps fractional seconds and cannot
	// overflow a 32-bit integer.
	ts := "make_timestamp(CAST(round(" + t.operand(args[0], precMul, false) + " * 1000000.0) AS BIGINT))"
	if len(args) == 1 {
		return ts
	}
	return t.strftime(ts, args[1])
}

// week prints WEEK or YEARWEEK in mode 0 (weeks from Sunday, MySQL's
// default_week_format) or, for WEEK, mode 3 (ISO weeks); other modes are
// unsupported.
func week(mode0, iso string) func(*translator, []ast.ExprNode) string {
	return func(t *translator, args []ast.ExprNode) string {
		ts := "mysql_ts(" + t.expr(args[0]) + ")"
		mode := int64(0)
		if len(args) == 2 {
			v, ok := args[1].(*test_driver.ValueExpr)
			if !ok || v.Kind() != test_driver.KindInt64 {
				return t.unsupported("a mode of WEEK/YEARWEEK that is not a constant")
			}
			mode = v.GetInt64()
		}
		switch {
		case mode == 0:
			return mode0 + "(" + ts + ")"
		case mode == 3 && iso == "week":
			return "week(" + ts + ")"
		case mode == 3:
			return "(yearweek(" + ts + "))"
		}
		return t.unsupported(fmt.Sprintf("%s mode %d", strings.ToUpper(iso), mode))
	}
}

func dateFormat(t *translator, args []ast.ExprNode) string {
	return t.strftime("mysql_ts("+t.expr(args[0])+")", args[1])
}

func (t *translator) strftime(ts string, format ast.ExprNode) string {
	f, ok := literalString(format)
	if !ok {
		return t.unsupported("a non-literal date format")
	}
	conv, err := convertDateFormat(f, false)
	if err != nil {
		return t.unsupported(err.Error())
	}
	return "strftime(" + ts + ", " + t.stringLit(conv) + ")"
}

// strToDate returns a DATE, TIME or TIMESTAMP depending on which parts the
// format has, as MySQL's STR_TO_DATE does; NULL when the string does not
// match.
func strToDate(t *translator, args []ast.ExprNode) string {
	f, ok := literalString(args[1])
	if !ok {
		return t.unsupported("a non-literal date format")
	}
	conv, err := convertDateFormat(f, true)
	if err != nil {
		return t.unsupported(err.Error())
	}
	s := "try_strptime(" + t.str(args[0]) + ", " + t.stringLit(conv) + ")"
	date, clock := formatParts(f)
	switch {
	case date && !clock:
		return "CAST(" + s + " AS DATE)"
	case clock && !date:
		return "CAST(" + s + " AS TIME)"
	}
	return s
}

func literalString(e ast.ExprNode) (string, bool) {
	v, ok := e.(*test_driver.ValueExpr)
	if !ok || v.Kind() != test_driver.KindString {
		return "", false
	}
	return v.GetString(), true
}

// cast maps CAST/CONVERT target types. Conversions to date and time types
// use TRY_CAST: MySQL yields NULL (with a warning) for an invalid value.
func (t *translator) cast(x *ast.FuncCastExpr) string {
	tp := x.Tp
	e := t.expr(x.Expr)
	switch tp.GetType() {
	case mysql.TypeLonglong:
		if tp.GetFlag()&mysql.UnsignedFlag != 0 {
			return "CAST(" + e + " AS UBIGINT)"
		}
		return "CAST(" + e + " AS BIGINT)"
	case mysql.TypeNewDecimal:
		p, s := tp.GetFlen(), tp.GetDecimal()
		if p <= 0 {
			p = 10
		}
		if s < 0 {
			s = 0
		}
		if p > 38 {
			return t.unsupported("DECIMAL precision above 38")
		}
		return fmt.Sprintf("CAST(%s AS DECIMAL(%d, %d))", e, p, s)
	case mysql.TypeVarString, mysql.TypeString, mysql.TypeVarchar:
		if tp.GetCharset() == "binary" {
			return "CAST(" + e + " AS BLOB)"
		}
		if n := tp.GetFlen(); n > 0 {
			// CHAR(n) keeps the first n characters.
			return fmt.Sprintf("left(CAST(%s AS VARCHAR), %d)", e, n)
		}
		return "CAST(" + e + " AS VARCHAR)"
	case mysql.TypeDate:
		return "TRY_CAST(" + e + " AS DATE)"
	case mysql.TypeDatetime, mysql.TypeTimestamp:
		return "TRY_CAST(" + e + " AS TIMESTAMP)"
	case mysql.TypeDuration:
		return "TRY_CAST(" + e + " AS TIME)"
	case mysql.TypeDouble:
		return "CAST(" + e + " AS DOUBLE)"
	case mysql.TypeFloat:
		return "CAST(" + e + " AS FLOAT)"
	case mysql.TypeJSON:
		return "CAST(" + e + " AS JSON)"
	}
	return t.unsupported("CAST to " + tp.String())
}

// aggregates maps MySQL aggregate names (as TiDB normalises them: STD and
// STDDEV are stddev_pop, VARIANCE is var_pop) to DuckDB's.
var aggregates = map[string]string{
	ast.AggFuncCount:      "count",
	ast.AggFuncSum:        "sum",
	ast.AggFuncAvg:        "avg",
	ast.AggFuncMin:        "min",
	ast.AggFuncMax:        "max",
	ast.AggFuncBitAnd:     "bit_and",
	ast.AggFuncBitOr:      "bit_or",
	ast.AggFuncBitXor:     "bit_xor",
	ast.AggFuncStddevPop:  "stddev_pop",
	ast.AggFuncStddevSamp: "stddev_samp",
	ast.AggFuncVarPop:     "var_pop",
	ast.AggFuncVarSamp:    "var_samp",
	"std":                 "stddev_pop",
	"stddev":              "stddev_pop",
	"variance":            "var_pop",
}

func (t *translator) aggregate(x *ast.AggregateFuncExpr) string {
	name := strings.ToLower(x.F)
	if name == ast.AggFuncGroupConcat {
		return t.groupConcat(x)
	}
	duck, ok := aggregates[name]
	if !ok {
		return t.fail(sqlerr.UnknownFunction, "FUNCTION %s does not exist", name)
	}
	if x.Order != nil {
		return t.unsupported("ORDER BY in " + name)
	}
	return duck + "(" + t.aggArgs(name, x.Args, x.Distinct) + ")"
}

func (t *translator) aggArgs(name string, args []ast.ExprNode, distinct bool) string {
	if name == ast.AggFuncCount && !distinct && len(args) == 1 {
		if v, ok := args[0].(*test_driver.ValueExpr); ok && v.GetValue() == int64(1) {
			return "*"
		}
	}
	d := ""
	if distinct {
		d = "DISTINCT "
	}
	if len(args) == 1 {
		return d + t.aggArg(name, args[0])
	}
	if name == ast.AggFuncCount && distinct {
		// COUNT(DISTINCT a, b) skips rows where any of them is NULL; a
		// DuckDB row value is never NULL itself, so say so explicitly.
		conds := make([]string, len(args))
		for i, a := range args {
			conds[i] = t.operand(a, precIs, false) + " IS NOT NULL"
		}
		return "DISTINCT CASE WHEN " + strings.Join(conds, " AND ") + " THEN row(" + t.exprList(args) + ") END"
	}
	return d + t.exprList(args)
}

// aggArg casts boolean arguments of numeric aggregates: SUM(a > 0) is a
// MySQL idiom, and DuckDB has no SUM(BOOLEAN).
func (t *translator) aggArg(name string, a ast.ExprNode) string {
	switch name {
	case ast.AggFuncSum, ast.AggFuncAvg:
		return t.numeric(a, 0, false)
	case ast.AggFuncMin, ast.AggFuncMax:
		return t.ordered(a, 0, false)
	}
	return t.expr(a)
}

// groupConcat prints GROUP_CONCAT as string_agg. The parser appends the
// separator as the last argument. Several expressions are concatenated
// with ||, which makes the row's value NULL (skipped) if any is NULL, as
// in MySQL. group_concat_max_len is not applied.
func (t *translator) groupConcat(x *ast.AggregateFuncExpr) string {
	if len(x.Args) < 2 {
		return t.fail(sqlerr.Syntax, "Incorrect parameter count in the call to native function 'group_concat'")
	}
	vals := x.Args[:len(x.Args)-1]
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = t.str(v)
	}
	s := "string_agg("
	if x.Distinct {
		s += "DISTINCT "
	}
	s += strings.Join(parts, " || ") + ", " + t.expr(x.Args[len(x.Args)-1])
	if x.Order != nil && len(x.Order.Items) > 0 {
		items := x.Order.Items
		if x.Distinct && len(vals) == 1 {
			// DuckDB wants a DISTINCT aggregate ordered by its argument,
			// which is the VARCHAR cast: such a list is ordered as strings.
			items = sameAsValue(items, vals[0], parts[0])
		}
		s += " ORDER BY " + t.byItems(items)
	}
	return s + ")"
}

var windowFuncs = map[string]bool{
	"row_number": true, "rank": true, "dense_rank": true, "cume_dist": true, "percent_rank": true,
	"ntile": true, "lead": true, "lag": true, "first_value": true, "last_value": true, "nth_value": true,
}

func (t *translator) window(x *ast.WindowFuncExpr) string {
	name := strings.ToLower(x.Name)
	_, agg := aggregates[name]
	if !windowFuncs[name] && !agg {
		return t.fail(sqlerr.UnknownFunction, "FUNCTION %s does not exist", name)
	}
	if x.IgnoreNull || x.FromLast {
		return t.unsupported("IGNORE NULLS and FROM LAST")
	}
	if x.Distinct {
		return t.unsupported("DISTINCT in window functions")
	}
	var args string
	if agg {
		args = t.aggArgs(name, x.Args, false)
	} else {
		args = t.exprList(x.Args)
	}
	if agg {
		name = aggregates[name]
	}
	return name + "(" + args + ") OVER " + t.windowSpec(&x.Spec)
}

func (t *translator) windowSpec(s *ast.WindowSpec) string {
	if s.OnlyAlias {
		return t.ident(s.Name.O)
	}
	return "(" + t.windowBody(s) + ")"
}

func (t *translator) windowBody(s *ast.WindowSpec) string {
	var parts []string
	if s.Ref.O != "" {
		parts = append(parts, t.ident(s.Ref.O))
	}
	if s.PartitionBy != nil && len(s.PartitionBy.Items) > 0 {
		items := make([]string, len(s.PartitionBy.Items))
		for i, it := range s.PartitionBy.Items {
			items[i] = t.expr(it.Expr)
		}
		parts = append(parts, "PARTITION BY "+strings.Join(items, ", "))
	}
	if s.OrderBy != nil && len(s.OrderBy.Items) > 0 {
		parts = append(parts, "ORDER BY "+t.byItems(s.OrderBy.Items))
	}
	if f := s.Frame; f != nil {
		kind := map[ast.FrameType]string{ast.Rows: "ROWS", ast.Ranges: "RANGE", ast.Groups: "GROUPS"}[f.Type]
		parts = append(parts, kind+" BETWEEN "+t.frameBound(&f.Extent.Start)+" AND "+t.frameBound(&f.Extent.End))
	}
	return strings.Join(parts, " ")
}

func (t *translator) frameBound(b *ast.FrameBound) string {
	dir := " PRECEDING"
	if b.Type == ast.Following {
		dir = " FOLLOWING"
	}
	switch {
	case b.Type == ast.CurrentRow:
		return "CURRENT ROW"
	case b.UnBounded:
		return "UNBOUNDED" + dir
	case b.Unit != ast.TimeUnitInvalid:
		return t.interval(b.Expr, &ast.TimeUnitExpr{Unit: b.Unit}) + dir
	}
	return t.expr(b.Expr) + dir
}

// sameAsValue replaces ORDER BY items that name the aggregated value v by
// its printed form printed.
func sameAsValue(items []*ast.ByItem, v ast.ExprNode, printed string) []*ast.ByItem {
	out := make([]*ast.ByItem, len(items))
	for i, it := range items {
		out[i] = it
		if exprText(it.Expr) == exprText(v) {
			out[i] = &ast.ByItem{Expr: &verbatim{sql: printed}, Desc: it.Desc}
		}
	}
	return out
}

func exprText(e ast.ExprNode) string {
	var sb strings.Builder
	if err := e.Restore(newRestoreCtx(&sb)); err != nil {
		return ""
	}
	return sb.String()
}

// verbatim is an expression already printed as DuckDB SQL.
type verbatim struct {
	ast.ValueExpr
	sql string
}

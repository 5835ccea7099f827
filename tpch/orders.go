package tpch

import (
	"fmt"
	"math/rand/v2"
)

// line is one generated lineitem row.
type line struct {
	partkey, suppkey           int64
	number                     int32
	quantity, price, disc, tax cents
	returnflag, linestatus     string
	ship, commit, receipt      day
	instruct, mode, comment    string
}

// ordersAndLineitems writes both tables in one pass: an order's status and
// total price are functions of its lines (clause 4.2.3).
func (g *generator) ordersAndLineitems() error {
	ow, err := newParquetWriter(g.dir, schemas["orders"])
	if err != nil {
		return err
	}
	lw, err := newParquetWriter(g.dir, schemas["lineitem"])
	if err != nil {
		ow.close()
		return err
	}
	err = g.fillOrders(g.rng(6), ow, lw)
	if cerr := ow.close(); err == nil {
		err = cerr
	}
	if cerr := lw.close(); err == nil {
		err = cerr
	}
	return err
}

func (g *generator) fillOrders(r *rand.Rand, ow, lw *parquetWriter) error {
	for i := int64(0); i < g.orders; i++ {
		// Order keys are sparse: only the first 8 of every 32 are used,
		// which leaves room for the refresh functions' inserts.
		key := i/8*32 + i%8 + 1
		date := startDate + day(r.IntN(int(endDate-151-startDate)+1))
		lines := g.lines(r, date)
		if err := ow.add(key, g.orderCustomer(r), orderStatus(lines), totalPrice(lines), date, pick(r, priorities),
			fmt.Sprintf("Clerk#%09d", 1+r.Int64N(max(1, g.suppliers/10))), int32(0), g.text.text(r, 19, 78)); err != nil {
			return err
		}
		for _, l := range lines {
			if err := lw.add(key, l.partkey, l.suppkey, l.number, l.quantity, l.price, l.disc, l.tax,
				l.returnflag, l.linestatus, l.ship, l.commit, l.receipt, l.instruct, l.mode, l.comment); err != nil {
				return err
			}
		}
	}
	return nil
}

// orderCustomer draws a customer whose key is not a multiple of three: a
// third of the customers have no orders, which Q13 and Q22 count.
func (g *generator) orderCustomer(r *rand.Rand) int64 {
	for {
		if c := 1 + r.Int64N(g.customers); c%3 != 0 || g.customers < 3 {
			return c
		}
	}
}

func (g *generator) lines(r *rand.Rand, ordered day) []line {
	lines := make([]line, 1+r.IntN(7))
	for i := range lines {
		l := &lines[i]
		l.number = int32(i + 1)
		l.partkey = 1 + r.Int64N(g.parts)
		l.suppkey = g.partSupplier(l.partkey, r.Int64N(4))
		l.quantity = cents(100 * (1 + r.IntN(50)))
		l.price = l.quantity / 100 * retailPrice(l.partkey)
		l.disc = cents(r.IntN(11))
		l.tax = cents(r.IntN(9))
		l.ship = ordered + day(1+r.IntN(121))
		l.commit = ordered + day(30+r.IntN(61))
		l.receipt = l.ship + day(1+r.IntN(30))
		l.returnflag = "N"
		if l.receipt <= currentDate {
			l.returnflag = []string{"R", "A"}[r.IntN(2)]
		}
		l.linestatus = "O"
		if l.ship <= currentDate {
			l.linestatus = "F"
		}
		l.instruct, l.mode = pick(r, instructions), pick(r, shipModes)
		l.comment = g.text.text(r, 10, 43)
	}
	return lines
}

// orderStatus is F when every line is shipped, O when none is, else P.
func orderStatus(lines []line) string {
	var f int
	for _, l := range lines {
		if l.linestatus == "F" {
			f++
		}
	}
	switch f {
	case len(lines):
		return "F"
	case 0:
		return "O"
	}
	return "P"
}

// totalPrice is the sum of extendedprice * (1+tax) * (1-discount), rounded
// to cents per line.
func totalPrice(lines []line) cents {
	var total int64
	for _, l := range lines {
		// price in cents * (100+tax) * (100-disc) / 10^4, rounded half up.
		total += (int64(l.price)*int64(100+l.tax)*int64(100-l.disc) + 5000) / 10000
	}
	return cents(total)
}

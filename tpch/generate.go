package tpch

import (
	"fmt"
	"math/rand/v2"
	"os"
	"time"
)

// seed makes the data set a pure function of the scale factor. This one
// gives every query a non-empty answer at SF 0.01 (Q18 needs an order of
// over 300 items and Q19 a rare combination of brand, container and size,
// so at that size some seeds leave them empty).
const seed = 12

// Dates of the specification (clause 4.2.2.12).
var (
	startDate   = dayOf(1992, 1, 1)
	currentDate = dayOf(1995, 6, 17)
	endDate     = dayOf(1998, 12, 31)
)

func dayOf(y int, m time.Month, d int) day {
	return day(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

var regions = []string{"AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"}

// nations are the 25 nations with their regions (clause 4.2.3).
var nations = []struct {
	name   string
	region int64
}{
	{"ALGERIA", 0}, {"ARGENTINA", 1}, {"BRAZIL", 1}, {"CANADA", 1}, {"EGYPT", 4}, {"ETHIOPIA", 0},
	{"FRANCE", 3}, {"GERMANY", 3}, {"INDIA", 2}, {"INDONESIA", 2}, {"IRAN", 4}, {"IRAQ", 4},
	{"JAPAN", 2}, {"JORDAN", 4}, {"KENYA", 0}, {"MOROCCO", 0}, {"MOZAMBIQUE", 0}, {"PERU", 1},
	{"CHINA", 2}, {"ROMANIA", 3}, {"SAUDI ARABIA", 4}, {"VIETNAM", 2}, {"RUSSIA", 3},
	{"UNITED KINGDOM", 3}, {"UNITED STATES", 1},
}

var (
	segments      = []string{"AUTOMOBILE", "BUILDING", "FURNITURE", "MACHINERY", "HOUSEHOLD"}
	priorities    = []string{"1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"}
	instructions  = []string{"DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"}
	shipModes     = []string{"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"}
	typeSizes     = []string{"STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO"}
	typeFinishes  = []string{"ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED"}
	typeMaterials = []string{"TIN", "NICKEL", "BRASS", "STEEL", "COPPER"}
	containerSize = []string{"SM", "LG", "MED", "JUMBO", "WRAP"}
	containerKind = []string{"CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM"}
)

// scale holds the row counts of a scale factor (clause 4.2.5).
type scale struct {
	suppliers, parts, customers, orders int64
}

func newScale(sf float64) scale {
	n := func(base float64) int64 { return max(1, int64(sf*base)) }
	return scale{suppliers: n(10_000), parts: n(200_000), customers: n(150_000), orders: n(1_500_000)}
}

// generator carries what several tables share: the scale and the text pool.
type generator struct {
	scale
	dir  string
	seed uint64
	text *textPool
}

// Generate writes the eight TPC-H tables at scale factor sf as Parquet files
// <dir>/<table>.parquet. The data follow the specification's rules (clause
// 4.2.3: key ranges, sparse order keys, value domains, the dependencies
// between dates, flags and prices); comments come from a smaller text pool
// than dbgen's, made by the same grammar. The output is deterministic.
func Generate(sf float64, dir string) error {
	if sf <= 0 {
		return fmt.Errorf("tpch: scale factor %v must be positive", sf)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return generate(sf, dir, seed)
}

// generate writes the tables made from one seed.
func generate(sf float64, dir string, seed uint64) error {
	g := &generator{scale: newScale(sf), dir: dir, seed: seed, text: newTextPool(rand.New(rand.NewPCG(seed, 0)))}
	gens := map[string]func(*rand.Rand, *parquetWriter) error{
		"region": g.region, "nation": g.nation, "supplier": g.supplier, "customer": g.customer,
		"part": g.part, "partsupp": g.partsupp, "orders": nil, "lineitem": nil,
	}
	for i, name := range Tables {
		if gens[name] == nil {
			continue // orders and lineitem are made together
		}
		if err := g.write(name, i, gens[name]); err != nil {
			return err
		}
	}
	return g.ordersAndLineitems()
}

// rng gives each table its own stream, so one table's rules do not shift
// another's values.
func (g *generator) rng(stream int) *rand.Rand {
	return rand.New(rand.NewPCG(g.seed, uint64(stream)+1))
}

func (g *generator) write(name string, stream int, gen func(*rand.Rand, *parquetWriter) error) error {
	w, err := newParquetWriter(g.dir, schemas[name])
	if err != nil {
		return err
	}
	if err := gen(g.rng(stream), w); err != nil {
		w.close()
		return fmt.Errorf("tpch: %s: %w", name, err)
	}
	return w.close()
}

func (g *generator) region(r *rand.Rand, w *parquetWriter) error {
	for i, name := range regions {
		if err := w.add(int64(i), name, g.text.text(r, 31, 115)); err != nil {
			return err
		}
	}
	return nil
}

func (g *generator) nation(r *rand.Rand, w *parquetWriter) error {
	for i, n := range nations {
		if err := w.add(int64(i), n.name, n.region, g.text.text(r, 31, 114)); err != nil {
			return err
		}
	}
	return nil
}

func (g *generator) supplier(r *rand.Rand, w *parquetWriter) error {
	// SF*5 suppliers have complaints, as many others recommendations, in
	// their comments (clause 4.2.3, S_COMMENT): Q16 excludes the first.
	marked := make(map[int64]string)
	n := max(1, g.suppliers/2000)
	for int64(len(marked)) < min(2*n, g.suppliers) {
		k := 1 + r.Int64N(g.suppliers)
		if _, ok := marked[k]; !ok {
			marked[k] = map[bool]string{true: "Complaints", false: "Recommends"}[int64(len(marked)) < n]
		}
	}
	for k := int64(1); k <= g.suppliers; k++ {
		nation := r.Int64N(25)
		comment := g.text.text(r, 25, 100)
		if word, ok := marked[k]; ok {
			comment = g.mark(r, comment, word)
		}
		err := w.add(k, fmt.Sprintf("Supplier#%09d", k), vstring(r, 10, 40), nation, phone(r, nation),
			uniformCents(r, -99_999, 999_999), comment)
		if err != nil {
			return err
		}
	}
	return nil
}

// mark puts "Customer <text> <word>" into a comment, keeping its length.
func (g *generator) mark(r *rand.Rand, comment, word string) string {
	mid := g.text.text(r, 0, len(comment)-len("Customer ")-len(word)-1)
	inner := "Customer " + mid + " " + word
	start := r.IntN(len(comment) - len(inner) + 1)
	return comment[:start] + inner + comment[start+len(inner):]
}

func (g *generator) customer(r *rand.Rand, w *parquetWriter) error {
	for k := int64(1); k <= g.customers; k++ {
		nation := r.Int64N(25)
		err := w.add(k, fmt.Sprintf("Customer#%09d", k), vstring(r, 10, 40), nation, phone(r, nation),
			uniformCents(r, -99_999, 999_999), pick(r, segments), g.text.text(r, 29, 116))
		if err != nil {
			return err
		}
	}
	return nil
}

// retailPrice is P_RETAILPRICE, a function of the key so that lineitem can
// price its lines without looking parts up.
func retailPrice(partkey int64) cents {
	return cents(90000 + (partkey/10)%20001 + 100*(partkey%1000))
}

func (g *generator) part(r *rand.Rand, w *parquetWriter) error {
	for k := int64(1); k <= g.parts; k++ {
		m := 1 + r.IntN(5)
		err := w.add(k, g.partName(r), fmt.Sprintf("Manufacturer#%d", m), fmt.Sprintf("Brand#%d%d", m, 1+r.IntN(5)),
			pick(r, typeSizes)+" "+pick(r, typeFinishes)+" "+pick(r, typeMaterials), int32(1+r.IntN(50)),
			pick(r, containerSize)+" "+pick(r, containerKind), retailPrice(k), g.text.text(r, 5, 22))
		if err != nil {
			return err
		}
	}
	return nil
}

// partName is five distinct colours.
func (g *generator) partName(r *rand.Rand) string {
	idx := r.Perm(len(colors))[:5]
	name := colors[idx[0]]
	for _, i := range idx[1:] {
		name += " " + colors[i]
	}
	return name
}

// partSupplier is the i-th (0..3) supplier of a part (clause 4.2.3,
// PS_SUPPKEY): spread so that every supplier supplies parts.
func (g *generator) partSupplier(partkey int64, i int64) int64 {
	s := g.suppliers
	return (partkey+i*(s/4+(partkey-1)/s))%s + 1
}

func (g *generator) partsupp(r *rand.Rand, w *parquetWriter) error {
	for p := int64(1); p <= g.parts; p++ {
		for i := int64(0); i < 4; i++ {
			err := w.add(p, g.partSupplier(p, i), int32(1+r.IntN(9999)), uniformCents(r, 100, 100_000),
				g.text.text(r, 49, 198))
			if err != nil {
				return err
			}
		}
	}
	return nil
}

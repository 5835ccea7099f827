// Command gen writes the demo data set of a small online shop: customers
// (CSV), products (JSON lines), orders and order items (Parquet). The output
// is deterministic (fixed seed), so regenerating changes no bytes.
//
//	go run ./examples/demo/gen            # from the module root
//	go generate ./examples/demo
package main

import (
	"cmp"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

const (
	numCustomers = 2000
	numProducts  = 200
	numOrders    = 20000
)

var (
	firstDay   = date(2022, 1, 1)   // first signup
	lastSignup = date(2024, 12, 31) // last signup
	lastDay    = date(2025, 6, 30)  // last order
)

func main() {
	dir := flag.String("dir", "examples/demo", "directory to write the files into")
	flag.Parse()
	rng := rand.New(rand.NewPCG(2024, 6))
	products := genProducts(rng)
	customers := genCustomers(rng)
	orders, items := genOrders(rng, customers, products)
	for _, err := range []error{
		writeCustomers(filepath.Join(*dir, "customers.csv"), customers),
		writeProducts(filepath.Join(*dir, "products.jsonl"), products),
		writeOrders(filepath.Join(*dir, "orders.parquet"), orders),
		writeItems(filepath.Join(*dir, "order_items.parquet"), items),
	} {
		if err != nil {
			log.Fatal(err)
		}
	}
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func days(t time.Time) int { return int(t.Unix() / 86400) }

type product struct {
	ID       int     `json:"product_id"`
	Name     string  `json:"name"`
	Category string  `json:"category"`
	Price    float64 `json:"price"`
	cents    int64
}

var categories = map[string][]string{
	"Kitchen":     {"Kettle", "Chef's Knife", "Cutting Board", "Coffee Grinder", "Saucepan", "Mixing Bowl Set"},
	"Outdoors":    {"Tent", "Sleeping Bag", "Headlamp", "Water Bottle", "Trail Backpack", "Camping Stove"},
	"Electronics": {"Wireless Earbuds", "USB-C Charger", "Bluetooth Speaker", "Smart Plug", "Power Bank", "Webcam"},
	"Home":        {"Desk Lamp", "Throw Blanket", "Wall Clock", "Plant Pot", "Bath Towel Set", "Scented Candle"},
	"Books":       {"Cookbook", "Field Guide", "Travel Journal", "Novel", "Atlas", "Sketchbook"},
	"Sports":      {"Yoga Mat", "Running Socks", "Jump Rope", "Dumbbell Pair", "Tennis Balls", "Cycling Gloves"},
}

var adjectives = []string{"Classic", "Compact", "Deluxe", "Eco", "Pro", "Nordic", "Urban", "Vintage", "Lightweight", "Essential"}

func genProducts(rng *rand.Rand) []product {
	cats := make([]string, 0, len(categories))
	for c := range categories {
		cats = append(cats, c)
	}
	slices.Sort(cats) // map order is random; the output must not be
	seen := map[string]bool{}
	out := make([]product, 0, numProducts)
	for len(out) < numProducts {
		cat := cats[rng.IntN(len(cats))]
		nouns := categories[cat]
		name := adjectives[rng.IntN(len(adjectives))] + " " + nouns[rng.IntN(len(nouns))]
		if seen[name] {
			name += " " + []string{"Mini", "Plus", "Max", "II", "XL"}[rng.IntN(5)]
			if seen[name] {
				continue
			}
		}
		seen[name] = true
		cents := int64(299+rng.IntN(19700)) / 100 * 100 // whole units …
		cents += []int64{99, 49, 0, 95}[rng.IntN(4)]    // … with shop-like endings
		out = append(out, product{ID: len(out) + 1, Name: name, Category: cat, Price: float64(cents) / 100, cents: cents})
	}
	return out
}

type customer struct {
	id                         int
	name, email, country, city string
	signup                     time.Time
}

var firstNames = []string{"Olivia", "Liam", "Emma", "Noah", "Ava", "Lucas", "Mia", "Elias", "Sofia", "Mateo",
	"Hannah", "Leon", "Chloe", "Hugo", "Ines", "Jonas", "Amara", "Kenji", "Priya", "Omar",
	"Freya", "Luca", "Zoe", "Arjun", "Nora", "Felix", "Lena", "Diego", "Yuki", "Sara"}

var lastNames = []string{"Smith", "Müller", "Garcia", "Rossi", "Dubois", "Jansen", "Kowalski", "Silva", "Novak", "Nielsen",
	"Brown", "Schmidt", "Martin", "Lopez", "Bianchi", "Bakker", "Tanaka", "Patel", "Haddad", "Johansson",
	"Wilson", "Fischer", "Moreau", "Costa", "Horvat", "Larsen", "Kim", "Singh", "Weber", "Ortiz"}

var cities = []struct{ country, city string }{
	{"Germany", "Berlin"}, {"Germany", "Munich"}, {"Germany", "Hamburg"},
	{"France", "Paris"}, {"France", "Lyon"}, {"Spain", "Madrid"}, {"Spain", "Barcelona"},
	{"Italy", "Milan"}, {"Italy", "Rome"}, {"Netherlands", "Amsterdam"}, {"Poland", "Warsaw"},
	{"Sweden", "Stockholm"}, {"Denmark", "Copenhagen"}, {"United Kingdom", "London"},
	{"United Kingdom", "Manchester"}, {"Ireland", "Dublin"}, {"Portugal", "Lisbon"},
	{"United States", "New York"}, {"United States", "Austin"}, {"Canada", "Toronto"},
	{"Japan", "Osaka"}, {"India", "Bengaluru"}, {"Brazil", "São Paulo"}, {"Australia", "Melbourne"},
}

var domains = []string{"example.com", "example.org", "example.net"} // reserved: never real mailboxes

func genCustomers(rng *rand.Rand) []customer {
	span := days(lastSignup) - days(firstDay) + 1
	out := make([]customer, numCustomers)
	for i := range out {
		first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
		place := cities[rng.IntN(len(cities))]
		local := strings.ToLower(asciiFold(first) + "." + asciiFold(last) + strconv.Itoa(i+1))
		out[i] = customer{
			id: i + 1, name: first + " " + last, email: local + "@" + domains[rng.IntN(len(domains))],
			country: place.country, city: place.city,
			signup: firstDay.AddDate(0, 0, rng.IntN(span)),
		}
	}
	return out
}

func asciiFold(s string) string {
	return strings.NewReplacer("ü", "ue", "ö", "oe", "ä", "ae").Replace(s)
}

type order struct {
	id, customerID int
	date           time.Time
	status         string
	totalCents     int64
	items          []item
}

type item struct{ orderID, productID, quantity int }

func genOrders(rng *rand.Rand, customers []customer, products []product) ([]order, []item) {
	orders := make([]order, numOrders)
	for i := range orders {
		c := customers[rng.IntN(len(customers))]
		span := days(lastDay) - days(c.signup) + 1
		o := order{customerID: c.id, date: c.signup.AddDate(0, 0, rng.IntN(span))}
		for _, p := range rng.Perm(len(products))[:1+rng.IntN(4)] {
			q := 1 + rng.IntN(3)
			o.items = append(o.items, item{productID: products[p].ID, quantity: q})
			o.totalCents += int64(q) * products[p].cents
		}
		o.status = status(rng, lastDay.Sub(o.date))
		orders[i] = o
	}
	// Ids follow order dates, as a real shop's would; it also makes the
	// Parquet row groups prunable by date.
	slices.SortStableFunc(orders, func(a, b order) int { return a.date.Compare(b.date) })
	var items []item
	for i := range orders {
		orders[i].id = i + 1
		for _, it := range orders[i].items {
			it.orderID = i + 1
			items = append(items, it)
		}
	}
	return orders, items
}

// status: recent orders are still moving, old ones mostly delivered.
func status(rng *rand.Rand, age time.Duration) string {
	r := rng.IntN(100)
	switch {
	case age < 3*24*time.Hour:
		return []string{"pending", "processing"}[r%2]
	case age < 10*24*time.Hour:
		return []string{"processing", "shipped", "shipped"}[r%3]
	case r < 4:
		return "cancelled"
	case r < 9:
		return "returned"
	}
	return "delivered"
}

func writeCustomers(path string, customers []customer) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"customer_id", "name", "email", "country", "city", "signup_date"})
	for _, c := range customers {
		w.Write([]string{strconv.Itoa(c.id), c.name, c.email, c.country, c.city, c.signup.Format(time.DateOnly)})
	}
	w.Flush()
	return cmp.Or(w.Error(), f.Close())
}

func writeProducts(path string, products []product) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for _, p := range products {
		if err := enc.Encode(p); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

var totalType = &arrow.Decimal128Type{Precision: 12, Scale: 2}

func writeOrders(path string, orders []order) error {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "order_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "customer_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "order_date", Type: arrow.FixedWidthTypes.Date32},
		{Name: "status", Type: arrow.BinaryTypes.String},
		{Name: "total", Type: totalType},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for _, o := range orders {
		b.Field(0).(*array.Int64Builder).Append(int64(o.id))
		b.Field(1).(*array.Int64Builder).Append(int64(o.customerID))
		b.Field(2).(*array.Date32Builder).Append(arrow.Date32FromTime(o.date))
		b.Field(3).(*array.StringBuilder).Append(o.status)
		b.Field(4).(*array.Decimal128Builder).Append(decimal128.FromI64(o.totalCents))
	}
	return writeParquet(path, b)
}

func writeItems(path string, items []item) error {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "order_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "product_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "quantity", Type: arrow.PrimitiveTypes.Int32},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for _, it := range items {
		b.Field(0).(*array.Int64Builder).Append(int64(it.orderID))
		b.Field(1).(*array.Int64Builder).Append(int64(it.productID))
		b.Field(2).(*array.Int32Builder).Append(int32(it.quantity))
	}
	return writeParquet(path, b)
}

// writeParquet writes the builder's rows in row groups of 5,000 (small
// enough that filters on order_date can skip some).
func writeParquet(path string, b *array.RecordBuilder) error {
	rec := b.NewRecordBatch()
	defer rec.Release()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	props := parquet.NewWriterProperties(
		parquet.WithMaxRowGroupLength(5000),
		parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithCompressionLevel(9),
	)
	w, err := pqarrow.NewFileWriter(rec.Schema(), f, props, pqarrow.DefaultWriterProps())
	if err != nil {
		f.Close()
		return err
	}
	if err := w.Write(rec); err != nil {
		w.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return w.Close()
}

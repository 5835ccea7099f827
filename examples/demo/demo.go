// Package demo ships the data set of a small synthetic online shop, so that
// a gateway started without any configuration has something to serve:
//
//	customers.csv        2,000 customers (customer_id, name, email, country, city, signup_date)
//	products.jsonl         200 products (product_id, name, category, price)
//	orders.parquet      20,000 orders (order_id, customer_id, order_date, status, total decimal(12,2))
//	order_items.parquet ~50,000 order lines (order_id, product_id, quantity)
//
// Every order's customer exists, every line's order and product exist, and
// an order's total is the sum of its lines at the products' prices. The
// files are generated deterministically by ./gen and committed.
package demo

//go:generate go run ./gen -dir .

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// FS holds the data files at its root. It is read-only and safe for
// concurrent use.
//
//go:embed customers.csv products.jsonl orders.parquet order_items.parquet
var FS embed.FS

// Extract writes the data files into dir (created if missing), replacing
// files of the same names, so that the files connector can serve dir.
// Each file is written under a temporary name and renamed, so a reader of
// dir never sees a half-written file.
func Extract(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	entries, err := fs.ReadDir(FS, ".")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	for _, e := range entries {
		if err := extractFile(dir, e.Name()); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	return nil
}

func extractFile(dir, name string) error {
	data, err := FS.ReadFile(name)
	if err != nil {
		return err
	}
	// The temporary name starts with a dot: the files connector skips
	// hidden files, so it never lists a partial table.
	tmp, err := os.CreateTemp(dir, "."+name+".*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, name))
}

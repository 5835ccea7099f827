package catalog

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
)

// Config is the gateway's configuration file. See docs/config.md.
type Config struct {
	// Listen is the MySQL protocol address. Default 127.0.0.1:3307.
	Listen string `yaml:"listen"`
	// Admin is the HTTP address of /healthz, /readyz and /metrics; empty
	// disables it.
	Admin     string                    `yaml:"admin"`
	Users     []UserConfig              `yaml:"users"`
	Sources   map[string]SourceConfig   `yaml:"sources"`
	Databases map[string]DatabaseConfig `yaml:"databases"`
	Engine    EngineConfig              `yaml:"engine"`
	// SchemaCacheTTL is how long a source's table list is trusted before it
	// is discovered again, e.g. "60s". Default 60s.
	SchemaCacheTTL string `yaml:"schema_cache_ttl"`
	// Pushdown, when false, makes every scan read whole tables and leaves
	// all filtering and limiting to DuckDB: for diagnosis and for tests
	// proving that pushdown does not change answers. Default true.
	Pushdown *bool `yaml:"pushdown"`
	// TLS, when set, offers TLS to clients.
	TLS *TLSConfig `yaml:"tls"`
}

// TLSConfig is the certificate the MySQL protocol listener offers.
type TLSConfig struct {
	Cert string `yaml:"cert"` // PEM certificate (chain) file
	Key  string `yaml:"key"`  // PEM private key file
	// RequireSecureTransport refuses clients that do not switch to TLS
	// (error 3159), as MySQL's require_secure_transport.
	RequireSecureTransport bool `yaml:"require_secure_transport"`
}

// Load reads the certificate and key.
func (t *TLSConfig) Load() (tls.Certificate, error) {
	return tls.LoadX509KeyPair(t.Cert, t.Key)
}

// PushdownEnabled reports the effective pushdown setting.
func (c *Config) PushdownEnabled() bool { return c.Pushdown == nil || *c.Pushdown }

// UserConfig is one account clients log in with.
type UserConfig struct {
	Name string `yaml:"name"`
	// Password may be a reference: ${env:NAME} or ${file:/path}.
	Password string `yaml:"password"`
	// Databases the user may read; empty means all.
	Databases []string `yaml:"databases"`
}

// SourceConfig starts one connector process.
type SourceConfig struct {
	// Connector names a built-in connector (files, …).
	Connector string `yaml:"connector"`
	// Plugin is the path of a third-party plugin executable; exclusive
	// with Connector.
	Plugin string `yaml:"plugin"`
	// Options go to the connector as they are, after ${env:…}/${file:…}
	// references in string values are resolved.
	Options map[string]any `yaml:"options"`
	// Hidden sources are not databases of their own; their tables are
	// reachable only through virtual databases.
	Hidden bool `yaml:"hidden"`
}

// DatabaseConfig is a virtual database.
type DatabaseConfig struct {
	// Tables maps a table name to "source.table".
	Tables map[string]string `yaml:"tables"`
	// Views maps a view name to a SELECT over this database's tables.
	Views map[string]string `yaml:"views"`
}

// EngineConfig sets the embedded DuckDB's resources.
type EngineConfig struct {
	MemoryLimit string `yaml:"memory_limit"` // e.g. "4GB"; default DuckDB's (80% of RAM)
	SpillDir    string `yaml:"spill_dir"`    // default: a temporary directory
	Threads     int    `yaml:"threads"`      // default: one per core
	// ScanSplits is how many parallel scans a large table of a source that
	// can split (PostgreSQL) is read with. Default: one per core; 1 turns
	// splitting off.
	ScanSplits int `yaml:"scan_splits"`
}

// DefaultListen is where the gateway listens when the config does not say.
const DefaultListen = "127.0.0.1:3307"

// ParseConfig decodes YAML strictly: an unknown key is an error that names
// its line and column. Secret references are resolved.
func ParseConfig(data []byte) (*Config, error) {
	var cfg Config
	dec := yaml.NewDecoder(bytes.NewReader(data), yaml.DisallowUnknownField())
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("config: %s", yaml.FormatError(err, false, true))
	}
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	}
	if err := cfg.resolveSecrets(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// LoadConfig reads and parses a config file.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return ParseConfig(data)
}

var refPattern = regexp.MustCompile(`\$\{(env|file):([^}]*)\}`)

// expand resolves ${env:NAME} and ${file:PATH} in s. A missing variable or
// unreadable file is an error: an empty password by accident is worse
// than a gateway that does not start.
func expand(s, path string) (string, error) {
	var firstErr error
	out := refPattern.ReplaceAllStringFunc(s, func(m string) string {
		sub := refPattern.FindStringSubmatch(m)
		switch sub[1] {
		case "env":
			v, ok := os.LookupEnv(sub[2])
			if !ok && firstErr == nil {
				firstErr = fmt.Errorf("%s: environment variable %s is not set", path, sub[2])
			}
			return v
		default:
			b, err := os.ReadFile(sub[2])
			if err != nil && firstErr == nil {
				firstErr = fmt.Errorf("%s: secret file: %w", path, err)
			}
			return strings.TrimRight(string(b), "\r\n")
		}
	})
	return out, firstErr
}

func (c *Config) resolveSecrets() error {
	var errs []error
	for i := range c.Users {
		v, err := expand(c.Users[i].Password, fmt.Sprintf("users[%d].password", i))
		errs = append(errs, err)
		c.Users[i].Password = v
	}
	for name, src := range c.Sources {
		for k, v := range src.Options {
			nv, err := expandAny(v, fmt.Sprintf("sources.%s.options.%s", name, k))
			errs = append(errs, err)
			src.Options[k] = nv
		}
	}
	return errors.Join(errs...)
}

func expandAny(v any, path string) (any, error) {
	switch t := v.(type) {
	case string:
		return expand(t, path)
	case map[string]any:
		var errs []error
		for k, e := range t {
			nv, err := expandAny(e, path+"."+k)
			errs = append(errs, err)
			t[k] = nv
		}
		return t, errors.Join(errs...)
	case []any:
		var errs []error
		for i, e := range t {
			nv, err := expandAny(e, fmt.Sprintf("%s[%d]", path, i))
			errs = append(errs, err)
			t[i] = nv
		}
		return t, errors.Join(errs...)
	}
	return v, nil
}

// reserved names clients expect to mean MySQL's own schemas.
var reserved = map[string]bool{"information_schema": true, "mysql": true, "performance_schema": true, "sys": true}

var namePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]*$`)

// Validate reports every semantic error of the config, each with its path.
// connectors lists the built-in connector names.
func (c *Config) Validate(connectors []string) []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	known := map[string]bool{}
	for _, n := range connectors {
		known[n] = true
	}
	if c.SchemaCacheTTL != "" {
		if _, err := time.ParseDuration(c.SchemaCacheTTL); err != nil {
			add("schema_cache_ttl: %v", err)
		}
	}
	dbs := map[string]string{} // lower-case name → how it was defined
	for _, name := range sortedKeys(c.Sources) {
		src := c.Sources[name]
		path := "sources." + name
		if !namePattern.MatchString(name) {
			add("%s: %q is not a valid name (letters, digits, _ and $, not starting with a digit)", path, name)
		}
		switch {
		case src.Connector == "" && src.Plugin == "":
			add("%s: one of connector or plugin is required", path)
		case src.Connector != "" && src.Plugin != "":
			add("%s: connector and plugin are exclusive", path)
		case src.Connector != "" && !known[src.Connector]:
			add("%s.connector: unknown connector %q (built-in: %s)", path, src.Connector, strings.Join(connectors, ", "))
		}
		if src.Hidden {
			continue
		}
		if reserved[strings.ToLower(name)] {
			add("%s: %q is a reserved database name", path, name)
		}
		dbs[strings.ToLower(name)] = path
	}
	for _, name := range sortedKeys(c.Databases) {
		db := c.Databases[name]
		path := "databases." + name
		if !namePattern.MatchString(name) {
			add("%s: %q is not a valid name", path, name)
		}
		if reserved[strings.ToLower(name)] {
			add("%s: %q is a reserved database name", path, name)
		}
		if prev, dup := dbs[strings.ToLower(name)]; dup {
			add("%s: database name also defined by %s", path, prev)
		}
		dbs[strings.ToLower(name)] = path
		seen := map[string]bool{}
		for _, t := range sortedKeys(db.Tables) {
			src, _, ok := strings.Cut(db.Tables[t], ".")
			if !ok {
				add("%s.tables.%s: %q is not of the form source.table", path, t, db.Tables[t])
			} else if _, exists := c.Sources[src]; !exists {
				add("%s.tables.%s: unknown source %q", path, t, src)
			}
			seen[strings.ToLower(t)] = true
		}
		for _, v := range sortedKeys(db.Views) {
			if seen[strings.ToLower(v)] {
				add("%s.views.%s: a table of that name exists", path, v)
			}
			if strings.TrimSpace(db.Views[v]) == "" {
				add("%s.views.%s: empty query", path, v)
			}
		}
	}
	if c.TLS != nil {
		switch {
		case c.TLS.Cert == "":
			add("tls.cert: required")
		case c.TLS.Key == "":
			add("tls.key: required")
		default:
			if _, err := c.TLS.Load(); err != nil {
				add("tls: certificate %s and key %s: %v", c.TLS.Cert, c.TLS.Key, err)
			}
		}
	}
	users := map[string]bool{}
	for i, u := range c.Users {
		path := fmt.Sprintf("users[%d]", i)
		if u.Name == "" {
			add("%s.name: required", path)
		}
		if users[u.Name] {
			add("%s.name: duplicate user %q", path, u.Name)
		}
		users[u.Name] = true
		for _, d := range u.Databases {
			if _, ok := dbs[strings.ToLower(d)]; !ok {
				add("%s.databases: unknown database %q", path, d)
			}
		}
	}
	if len(c.Users) == 0 {
		add("users: at least one user is required")
	}
	return errs
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tributary-sql/tributary/catalog"
	"github.com/tributary-sql/tributary/connectors"
	"github.com/tributary-sql/tributary/engine"
	"github.com/tributary-sql/tributary/examples/demo"
	"github.com/tributary-sql/tributary/gateway"
	"github.com/tributary-sql/tributary/parser"
	"github.com/tributary-sql/tributary/plugins"
	"github.com/tributary-sql/tributary/server"
)

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	configPath := fs.String("config", os.Getenv("TRIBUTARY_CONFIG"), "config file (default: the embedded demo catalog)")
	listen := fs.String("listen", "", "MySQL protocol address, overrides the config's listen")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	var cfg *catalog.Config
	var err error
	if *configPath == "" {
		cfg, err = demoConfig(log)
	} else {
		cfg, err = catalog.LoadConfig(*configPath)
	}
	if err != nil {
		return err
	}
	if *listen != "" {
		cfg.Listen = *listen
	}
	if errs := validate(cfg); len(errs) > 0 {
		return fmt.Errorf("invalid config:\n%w", errors.Join(errs...))
	}
	if err := refuseOpenRoot(cfg); err != nil {
		return err
	}

	spill := cfg.Engine.SpillDir
	if spill == "" {
		if spill, err = os.MkdirTemp("", "tributary-spill-"); err != nil {
			return err
		}
		defer os.RemoveAll(spill)
	}
	eng, err := engine.Open(engine.Config{MemoryLimit: cfg.Engine.MemoryLimit, SpillDir: spill, Threads: cfg.Engine.Threads,
		Macros: parser.DuckDBMacros(), AllowedDirectories: fileRoots(cfg)})
	if err != nil {
		return err
	}
	defer eng.Close()

	self, err := os.Executable()
	if err != nil {
		return err
	}
	cat := catalog.New(cfg, func(name string, sc catalog.SourceConfig) connectors.Connector {
		cmd := []string{sc.Plugin}
		if sc.Connector != "" {
			cmd = []string{self, "connector", sc.Connector, name}
		}
		return plugins.NewSource(plugins.Launch{Source: name, Command: cmd, Options: sc.Options, Logger: log.With("source", name)})
	})
	defer cat.Close()

	users := make([]server.User, len(cfg.Users))
	for i, u := range cfg.Users {
		users[i] = server.User{Name: u.Name, Password: u.Password}
	}
	splits := cfg.Engine.ScanSplits
	if splits == 0 {
		splits = runtime.NumCPU()
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	gw := gateway.NewWithOptions(cat, eng, cfg.Users, mysqlVersion(), log,
		gateway.Options{Pushdown: cfg.PushdownEnabled(), MaxSplits: splits, Metrics: reg,
			TLS: cfg.TLS != nil, RequireSecureTransport: cfg.TLS != nil && cfg.TLS.RequireSecureTransport})
	scfg := server.Config{Listen: cfg.Listen, Users: users, ServerVersion: mysqlVersion(), Logger: log}
	if cfg.TLS != nil {
		cert, err := cfg.TLS.Load()
		if err != nil {
			return fmt.Errorf("tls: %w", err)
		}
		scfg.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		scfg.RequireSecureTransport = cfg.TLS.RequireSecureTransport
	}
	srv, err := server.New(scfg, gw)
	if err != nil {
		return err
	}
	gw.SetKiller(srv)
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	log.Info("tributary listening", "mysql", ln.Addr().String(), "version", version, "databases", cat.Databases())

	var warmed atomic.Bool
	if cfg.Admin != "" {
		go serveAdmin(cfg.Admin, reg, &warmed, log)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	// Start the connectors and learn their tables now, not in the first
	// client's query. A source that is down is discovered on first use.
	go func() {
		start := time.Now()
		if err := cat.Warm(ctx); err != nil {
			log.Warn("warm-up: some sources could not be reached yet", "err", err)
		}
		log.Info("sources warmed up", "ms", time.Since(start).Milliseconds())
		warmed.Store(true)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// demoConfig serves the demo data shipped in the binary, extracted to a
// temporary directory, to root without a password on loopback.
func demoConfig(log *slog.Logger) (*catalog.Config, error) {
	dir, err := os.MkdirTemp("", "tributary-demo-")
	if err != nil {
		return nil, err
	}
	if err := demo.Extract(dir); err != nil {
		return nil, err
	}
	log.Info("no config given: serving the demo catalog", "data", dir)
	return &catalog.Config{
		Listen:  catalog.DefaultListen,
		Users:   []catalog.UserConfig{{Name: "root"}},
		Sources: map[string]catalog.SourceConfig{"demo": {Connector: "files", Options: map[string]any{"root": dir}}},
	}, nil
}

// refuseOpenRoot stops a passwordless account from being served beyond
// loopback, as a fresh MySQL does.
func refuseOpenRoot(cfg *catalog.Config) error {
	host, _, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	ip := net.ParseIP(host)
	loopback := host == "localhost" || (ip != nil && ip.IsLoopback())
	for _, u := range cfg.Users {
		if u.Password == "" && !loopback {
			return fmt.Errorf("user %q has no password: listen on a loopback address or give it a password", u.Name)
		}
	}
	return nil
}

// serveAdmin serves /healthz (the process is up), /readyz (and has tried
// to reach every source once, so a first query does not pay for starting
// connectors; a source that is down does not make the gateway unready:
// sources are checked per query) and Prometheus /metrics.
func serveAdmin(addr string, reg *prometheus.Registry, warmed *atomic.Bool, log *slog.Logger) {
	mux := http.NewServeMux()
	ok := func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") }
	mux.HandleFunc("/healthz", ok)
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		if !warmed.Load() {
			http.Error(w, "warming up: starting connectors", http.StatusServiceUnavailable)
			return
		}
		ok(w, r)
	})
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		log.Error("admin server stopped", "err", err)
	}
}

// mysqlVersion is what clients see as the server version: they parse the
// leading x.y.z to choose features, so it must look like a MySQL 8.0.
func mysqlVersion() string { return "8.0.36-tributary-" + version }

// fileRoots are the directories of the files sources, which the engine may
// read Parquet from directly.
func fileRoots(cfg *catalog.Config) []string {
	var roots []string
	for _, sc := range cfg.Sources {
		if root, ok := sc.Options["root"].(string); ok && sc.Connector == "files" {
			roots = append(roots, root)
		}
	}
	return roots
}

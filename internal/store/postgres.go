package store

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// redactDSN names a PostgreSQL database without its password or
// parameters: "postgres database db at host:port as user".
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		return "postgres database (DSN not shown)"
	}
	who := ""
	if u.User != nil {
		who = " as " + u.User.Username()
	}
	db := u.Path
	if len(db) > 0 && db[0] == '/' {
		db = db[1:]
	}
	return fmt.Sprintf("postgres database %q at %s%s", db, u.Host, who)
}

func openPostgres(ctx context.Context, dsn string, opt Options) (*Store, error) {
	where := redactDSN(dsn)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the DSN; it is not repeated here.
		return nil, fmt.Errorf("%s: the DSN cannot be parsed: want postgres://user[:password]@host[:port]/database[?params]", where)
	}
	cfg.ConnectTimeout = min(opt.Timeout, 15*time.Second)
	db := stdlib.OpenDB(*cfg)
	n := opt.MaxConns
	if n <= 0 {
		n = 8
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(min(n, 4))
	db.SetConnMaxLifetime(30 * time.Minute)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: cannot connect: %v", where, scrub(err, cfg.Password))
	}
	return &Store{db: db, kind: Postgres, where: where, dsn: dsn}, nil
}

// scrub removes the password from an error message, in case a driver
// quotes it.
func scrub(err error, password string) string {
	msg := err.Error()
	if password != "" {
		msg = strings.ReplaceAll(msg, password, "xxxxx")
	}
	return msg
}

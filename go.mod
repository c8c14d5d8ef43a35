module github.com/thunes/thunes

go 1.26

require (
	github.com/BurntSushi/toml v1.5.0
	github.com/coder/websocket v1.8.14
	github.com/klauspost/compress v1.17.9
	github.com/markcheno/go-talib v0.0.0-20250114000313-ec55a20c902f
	github.com/parquet-go/parquet-go v0.32.0
	github.com/quagmt/udecimal v1.9.0
)

require (
	github.com/andybalholm/brotli v1.1.1 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/parquet-go/bitpack v1.0.0 // indirect
	github.com/parquet-go/jsonlite v1.0.0 // indirect
	github.com/pierrec/lz4/v4 v4.1.21 // indirect
	github.com/twpayne/go-geom v1.6.1 // indirect
	golang.org/x/sys v0.38.0 // indirect
	google.golang.org/protobuf v1.34.2 // indirect
)

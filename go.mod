module github.com/thunes/thunes

go 1.26

require github.com/quagmt/udecimal v1.9.0

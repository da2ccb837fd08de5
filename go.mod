module github.com/openova-io/core

go 1.26

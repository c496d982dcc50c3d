module github.com/asyncbook/asyncbook/analyzers/golangciplugin

go 1.26.8

require (
	github.com/asyncbook/asyncbook v0.0.0-00010101000000-000000000000
	github.com/golangci/plugin-module-register v0.1.2
	github.com/stretchr/testify v1.12.1
	go.uber.org/goleak v1.3.0
	golang.org/x/tools v0.52.0
)

require (
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/mod v0.42.0 // indirect
	golang.org/x/sync v0.25.0 // indirect
)

// The plugin is built from the analyzers of the checkout it sits in. This
// replace only applies while this module is the main module (its own
// tests); a golangci-lint build names the checkout in .custom-gcl.yml (see
// editors/ci/golangci). A tagged release of the plugin requires the
// matching asyncbook version instead of the zero pseudo-version.
replace github.com/asyncbook/asyncbook => ../..

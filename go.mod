module github.com/qexcompanion/qex-companion

go 1.24.0

require (
	github.com/golang-jwt/jwt/v5 v5.3.1
	github.com/pkg/browser v0.0.0-20240102092130-5ac0b6a4141c
	golang.org/x/net v0.47.0
)

require golang.org/x/sys v0.38.0 // indirect

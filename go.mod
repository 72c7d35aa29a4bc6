module github.com/qexcompanion/qex-companion

go 1.25

require (
	github.com/chromedp/chromedp v0.23.0
	github.com/golang-jwt/jwt/v5 v5.3.1
	github.com/pkg/browser v0.0.0-20240102092130-5ac0b6a4141c
	golang.org/x/net v0.47.0
)

require (
	github.com/chromedp/cdproto v0.159.0 // indirect
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	golang.org/x/sys v0.38.0 // indirect
)

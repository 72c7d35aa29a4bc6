package msg

// Why a sandbox scenario cannot happen for a provider: the sandbox's
// emulators say it, the window and the terminal show it.
var (
	ScenarioWidgetOnly     = define("scenario.widget-only", "it happens in the partner widget, which only QEX has (use --provider qex)")
	ScenarioQEXNoRenewal   = define("scenario.qex-no-renewal", "a QEX session has no renewal to refuse: when it ends, the user approves a new one (try expired-token)")
	ScenarioOAuthNoRenewal = define("scenario.liquid-no-renewal", "an approved Liquid OAuth request has no renewal to refuse: its access ends with it (try expired-token)")
	ScenarioNoRateLimit    = define("scenario.oauth2-no-rate-limit", "the Liquid OAuth 2.0 documents (seed 002) describe no rate limit, so the sandbox does not invent one")
	ScenarioNonePlayed     = define("scenario.none-played", "the sandbox's {{.Emulator}} plays no scenarios")
	ScenarioNoEmulator     = define("scenario.no-emulator", "the sandbox has no emulator of {{.Provider}}")
)

// GatewayApp wires the modules into running services and implements the CLI commands.

"""Static analysis of JavaScript and TypeScript."""

"""Mail: senders (SMTP, console, memory) and rendering from the shared presenter."""

"""hop's console: the web pages where link owners manage links, QR codes and stats."""

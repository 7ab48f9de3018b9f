from hop_console.cli import main

main()

from hop_redirect.cli import main

main()

module secgap.dev/gocheck

go 1.19

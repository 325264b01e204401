module github.com/wirestat/wirestat

go 1.26.8

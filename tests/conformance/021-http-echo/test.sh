# The shape of Pipy's tutorial step 02: constant, echo (also 100 KB, also chunked) and __inbound.
curl -s http://localhost:8080/
curl -s http://localhost:8081/ -d 'Echo me back'; echo
head -c 100000 /dev/zero | tr '\0' 'x' > big.txt
curl -s http://localhost:8081/ --data-binary @big.txt | wc -c
curl -s -i http://localhost:8081/ -H 'Transfer-Encoding: chunked' --data-binary @big.txt | grep -i -E '^(content-length|transfer-encoding|connection)' | tr -d '\r'
rm -f big.txt
curl -s http://localhost:8082/hello/world

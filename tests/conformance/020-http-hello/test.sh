# Pipy's tutorial step 01, unchanged.
curl -s -i http://localhost:8080/
curl -s -i http://localhost:8080/ -X POST -d 'ignored body'
curl -s -I http://localhost:8080/

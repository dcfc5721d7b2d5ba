# The shape of Pipy's tutorial step 01: a constant response, GET, POST and HEAD.
curl -s -i http://localhost:8080/
curl -s -i http://localhost:8080/ -X POST -d 'ignored body'
curl -s -I http://localhost:8080/

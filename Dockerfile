# Builds the connector's runnable jar and a small runtime image.
#   docker build -t startyhook .
#   docker run --rm startyhook --help
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
COPY connector/pom.xml connector/
RUN mvn -B -q -pl connector -am dependency:go-offline
COPY connector connector
COPY sql sql
COPY rules rules
RUN mvn -B -q package -DskipTests

FROM eclipse-temurin:17-jre
RUN useradd --system --home /opt/startyhook startyhook && mkdir /certs && chown startyhook /certs
WORKDIR /opt/startyhook
COPY --from=build /src/connector/target/startyhook.jar /opt/startyhook/startyhook.jar
COPY rules /opt/startyhook/rules
COPY docker/startyhook /usr/local/bin/startyhook
USER startyhook
ENTRYPOINT ["startyhook"]
CMD ["--help"]

# cmake/CunbaoPackage.cmake — the Debian package (CUNBAO_PACKAGE=ON; built by
# scripts/package: `cpack -G DEB` in a build configured with prefix /usr).
#
# It adds to `cmake --install`: the configs in /etc/cunbao (conffiles, from
# the examples), the Debian copyright and changelog, and the maintainer
# scripts in packaging/deb (the `cunbao` user, /var/lib/cunbao, the units).
# The programs are built with the package's paths compiled in, so the
# prefix must be /usr.
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
	message(FATAL_ERROR "CUNBAO_PACKAGE needs -DCMAKE_INSTALL_PREFIX=/usr "
		"(the programs find their data under the prefix they were built for)")
endif()

# The configs, with working defaults: cunbaod.conf names /etc/cunbao/catalog.json.
install(FILES systemd/cunbaod.conf.example DESTINATION ${CUNBAO_CONFDIR} RENAME cunbaod.conf)
install(FILES bridge/examples/cunbao-bridge.conf DESTINATION ${CUNBAO_CONFDIR})
install(FILES schema/catalog.json DESTINATION ${CUNBAO_CONFDIR})

# Debian's copyright file (the ISC license) and changelog.Debian.gz.
set(PKG ${CMAKE_BINARY_DIR}/packaging)
file(READ LICENSE CUNBAO_LICENSE_TEXT)
string(REGEX REPLACE "\n\n" "\n.\n" CUNBAO_LICENSE_TEXT "${CUNBAO_LICENSE_TEXT}")
string(REGEX REPLACE "\n([^\n])" "\n \\1" CUNBAO_LICENSE_TEXT "${CUNBAO_LICENSE_TEXT}")
string(REGEX REPLACE "^Copyright \\(c\\) ([^\n]*)\n \\.\n" "" CUNBAO_LICENSE_BODY "${CUNBAO_LICENSE_TEXT}")
string(REGEX MATCH "^Copyright \\(c\\) ([^\n]*)" _ "${CUNBAO_LICENSE_TEXT}")
set(CUNBAO_COPYRIGHT_HOLDER "${CMAKE_MATCH_1}")
configure_file(packaging/deb/copyright.in ${PKG}/copyright @ONLY)
configure_file(packaging/deb/changelog.in ${PKG}/changelog @ONLY)
add_custom_command(OUTPUT ${PKG}/changelog.Debian.gz
	COMMAND gzip -9n -c ${PKG}/changelog > ${PKG}/changelog.Debian.gz
	DEPENDS ${PKG}/changelog)
add_custom_target(deb-docs ALL DEPENDS ${PKG}/changelog.Debian.gz)
install(FILES ${PKG}/copyright ${PKG}/changelog.Debian.gz DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES packaging/deb/lintian-overrides DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides
	RENAME cunbao)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cunbao)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "cunbao maintainers <cunbao@example.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "village figures reported by SMS and chat, stored and rolled up")
set(CPACK_PACKAGE_DESCRIPTION "Village group leaders report figures (livestock, crops, roads...)
by SMS or chat.  cunbao-bridge turns the messages from Kannel, HTTP SMS
gateways and chat bots into MQTT; cunbaod checks each report against a
catalog, stores it in SQLite, answers with a receipt and publishes live
rollups for every village and township.  cunbaoctl and an HTTP API serve
the administrators; a dashboard shows the rollups.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)		# cunbao_0.1.0-1_amd64.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.invalid/cunbao")
# dpkg-shlibdeps finds libmosquitto1, libevent, libsqlite3, libcjson, libssl3, libc6 and
# libxlsxwriter4 (>= 1.1.4) for cunbaod's .xlsx ledger (checked: dpkg-shlibdeps -O on cunbaod).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "mosquitto")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "kannel, kannel-extras, mosquitto-clients, sqlite3")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
	${CMAKE_SOURCE_DIR}/packaging/deb/conffiles ${CMAKE_SOURCE_DIR}/packaging/deb/postinst
	${CMAKE_SOURCE_DIR}/packaging/deb/prerm ${CMAKE_SOURCE_DIR}/packaging/deb/postrm)
include(CPack)

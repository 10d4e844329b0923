<?xml version="1.0"?>
<!-- tests/libvirt/normalize.xsl: a domain XML as sorted, line-oriented facts
     for comparing vmdev's dumpxml with libvirt's (see lib.sh norm_lines).
     mode=all: every element; mode=hostdev: the /domain/devices/hostdev
     subtrees and every address element wherever it is. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="text"/>
  <xsl:param name="mode" select="'all'"/>

  <xsl:template match="/">
    <xsl:choose>
      <xsl:when test="$mode = 'hostdev'">
        <xsl:for-each select="/domain/devices/hostdev/descendant-or-self::* | //address[not(ancestor::hostdev)]">
          <xsl:call-template name="line"/>
        </xsl:for-each>
      </xsl:when>
      <xsl:otherwise>
        <xsl:for-each select="//*">
          <xsl:call-template name="line"/>
        </xsl:for-each>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="line">
    <xsl:for-each select="ancestor-or-self::*">
      <xsl:variable name="n" select="name()"/>
      <xsl:text>/</xsl:text>
      <xsl:value-of select="$n"/>
      <xsl:text>[</xsl:text>
      <xsl:value-of select="count(preceding-sibling::*[name() = $n]) + 1"/>
      <xsl:text>]</xsl:text>
    </xsl:for-each>
    <xsl:for-each select="@*">
      <xsl:sort select="name()"/>
      <xsl:text> @</xsl:text>
      <xsl:value-of select="name()"/>
      <xsl:text>='</xsl:text>
      <xsl:value-of select="."/>
      <xsl:text>'</xsl:text>
    </xsl:for-each>
    <xsl:if test="not(*) and normalize-space(.) != ''">
      <xsl:text> text='</xsl:text>
      <xsl:value-of select="translate(., '&#10;', '|')"/>
      <xsl:text>'</xsl:text>
    </xsl:if>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>
</xsl:stylesheet>

#include "storage/s3/s3_xml.h"

#include <gtest/gtest.h>

namespace archive {
namespace {

TEST(S3Xml, FindsElementsByExactName) {
  const std::string xml =
      "<ListBucketResult><KeyCount>2</KeyCount>"
      "<Contents><Key>a&amp;b</Key><Size>3</Size></Contents>"
      "<Contents><Key>c</Key><Size>0</Size></Contents>"
      "<IsTruncated>false</IsTruncated></ListBucketResult>";
  auto contents = XmlElements(xml, "Contents");
  ASSERT_EQ(contents.size(), 2u);
  EXPECT_EQ(XmlText(contents[0], "Key"), "a&b");
  EXPECT_EQ(XmlText(contents[1], "Size"), "0");
  EXPECT_EQ(XmlText(xml, "IsTruncated"), "false");
  EXPECT_EQ(XmlText(xml, "Key"), "a&b") << "not <KeyCount>";
  EXPECT_EQ(XmlText(xml, "Missing"), "");
}

TEST(S3Xml, AttributesAndEmptyElements) {
  const std::string xml =
      "<Error xmlns=\"x\"><Code>NoSuchKey</Code><Message/></Error>";
  EXPECT_EQ(XmlText(xml, "Code"), "NoSuchKey");
  EXPECT_EQ(XmlText(xml, "Message"), "");
  EXPECT_EQ(XmlElements(xml, "Error").size(), 1u);
}

TEST(S3Xml, UnescapeAndEscape) {
  EXPECT_EQ(XmlUnescape("&quot;e1&quot; &#65;&#x42; &bogus; &"),
            "\"e1\" AB &bogus; &");
  EXPECT_EQ(XmlEscape("\"a\"<&>'"), "&quot;a&quot;&lt;&amp;&gt;&apos;");
}

}  // namespace
}  // namespace archive
